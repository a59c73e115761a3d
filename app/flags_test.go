package app

import (
	"flag"
	"io"
	"slices"
	"testing"
)

func TestFlagsMayStandBeforeOrAfterArguments(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		wantFormat string
		wantArgs   []string
	}{
		{[]string{"c1", "--format", "json"}, "json", []string{"c1"}},
		{[]string{"--format", "json", "c1"}, "json", []string{"c1"}},
		{[]string{"c1", "--format=json", "extra"}, "json", []string{"c1", "extra"}},
		{[]string{"c1"}, "md", []string{"c1"}},
		{[]string{"--", "-1 is less than 0", "--format", "json"}, "md", []string{"-1 is less than 0", "--format", "json"}},
		{[]string{"--format", "json", "hello", "--", "--not-a-flag"}, "json", []string{"hello", "--not-a-flag"}},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		format := fs.String("format", "md", "")
		if err := parseInterspersed(fs, tc.args); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if *format != tc.wantFormat || !slices.Equal(fs.Args(), tc.wantArgs) {
			t.Errorf("%v: format %q args %q, want %q %q", tc.args, *format, fs.Args(), tc.wantFormat, tc.wantArgs)
		}
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.String("format", "md", "")
	if err := parseInterspersed(fs, []string{"c1", "--nope"}); err == nil {
		t.Error("an unknown flag after an argument was accepted")
	}
}
