//go:build linux

package main

import "testing"

func TestPPMStdDev(t *testing.T) {
	flat := append([]byte("P6\n# comment\n2 2\n255\n"), make([]byte, 12)...)
	if sd, err := ppmStdDev(flat); err != nil || sd != 0 {
		t.Errorf("flat: %v, %v", sd, err)
	}
	// Half the channel values 0, half 255: standard deviation 127.5.
	half := append([]byte("P6 2 1 255\n"), 0, 0, 0, 255, 255, 255)
	if sd, err := ppmStdDev(half); err != nil || sd != 127.5 {
		t.Errorf("half: %v, %v", sd, err)
	}
	if _, err := ppmStdDev([]byte("P6 4 4 255\n\x00")); err == nil {
		t.Error("short pixel data accepted")
	}
	if _, err := ppmStdDev([]byte("P3 1 1 255\n0 0 0")); err == nil {
		t.Error("ASCII PPM accepted")
	}
}
