//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// screenshot grabs the whole display once the picture has settled: painted
// (not one flat colour: the page paints a moment after its WebSocket opens,
// later still on a loaded machine) and two grabs in a row alike. It waits for
// that, not for a time; a picture still flat at the safety net fails the
// test: a window that never painted leaves the root window one flat colour.
func screenshot(ctx context.Context, display, path string) error {
	raw := path + ".ppm"
	defer os.Remove(raw)
	grab := func() ([]byte, error) {
		gctx, cancel := context.WithTimeout(ctx, patience)
		defer cancel()
		if out, err := exec.CommandContext(gctx, "import", "-window", "root", "-display", display, "-depth", "8", "ppm:"+raw).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("screenshot: %w: %s", err, out)
		}
		return os.ReadFile(raw)
	}
	shot, err := grab()
	if err != nil {
		return err
	}
	// Two grabs alike is best effort (a blinking caret may keep them apart);
	// a painted picture is what the test waits for and requires.
	flat := func(b []byte) (float64, bool, error) {
		sd, err := ppmStdDev(b)
		return sd, sd < 2, err
	}
	for deadline := time.Now().Add(patience); time.Now().Before(deadline); {
		time.Sleep(300 * time.Millisecond) // the pace of grabbing, not a wait for anything
		cur, err := grab()
		if err != nil {
			return err
		}
		same := bytes.Equal(cur, shot)
		shot = cur
		if _, isFlat, err := flat(shot); err != nil {
			return fmt.Errorf("inspect screenshot: %w", err)
		} else if same && !isFlat {
			break
		}
	}
	sd, _, err := flat(shot)
	if err != nil {
		return fmt.Errorf("inspect screenshot: %w", err)
	}
	if sd < 2 {
		return fmt.Errorf("screenshot is a flat colour (standard deviation %.2f of 255): no window on the display", sd)
	}
	cctx, cancel := context.WithTimeout(ctx, patience)
	defer cancel()
	if err := os.WriteFile(raw, shot, 0o644); err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	if out, err := exec.CommandContext(cctx, "convert", raw, "-strip", path).CombinedOutput(); err != nil {
		return fmt.Errorf("convert screenshot: %w: %s", err, out)
	}
	return nil
}

// ppmStdDev is the standard deviation of all channel values of a binary
// PPM (P6, 8 bit) image, as ImageMagick's import writes it.
func ppmStdDev(img []byte) (float64, error) {
	fields := make([]int, 0, 3)
	i := 2
	if len(img) < 2 || string(img[:2]) != "P6" {
		return 0, errors.New("not a binary PPM")
	}
	for len(fields) < 3 {
		for i < len(img) && (img[i] == ' ' || img[i] == '\n' || img[i] == '\r' || img[i] == '\t') {
			i++
		}
		if i < len(img) && img[i] == '#' {
			for i < len(img) && img[i] != '\n' {
				i++
			}
			continue
		}
		j := i
		for j < len(img) && img[j] >= '0' && img[j] <= '9' {
			j++
		}
		n, err := strconv.Atoi(string(img[i:j]))
		if err != nil {
			return 0, fmt.Errorf("PPM header: %w", err)
		}
		fields = append(fields, n)
		i = j
	}
	i++ // the single whitespace byte after maxval
	w, h, maxval := fields[0], fields[1], fields[2]
	if maxval != 255 {
		return 0, fmt.Errorf("PPM maxval %d, want 255", maxval)
	}
	px := img[min(i, len(img)):]
	if len(px) < w*h*3 || w*h == 0 {
		return 0, fmt.Errorf("PPM has %d bytes of pixels, want %d", len(px), w*h*3)
	}
	px = px[:w*h*3]
	var sum, sumSq float64
	for _, v := range px {
		f := float64(v)
		sum += f
		sumSq += f * f
	}
	n := float64(len(px))
	mean := sum / n
	return math.Sqrt(max(0, sumSq/n-mean*mean)), nil
}
