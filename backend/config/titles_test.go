package config

import (
	"strings"
	"testing"
)

func TestAutoTitlesSwitch(t *testing.T) {
	c, err := loadWith(t, loadCase{}, "linux")
	if err != nil {
		t.Fatal(err)
	}
	if !c.AutoTitles || c.Source("auto_titles").String() != "default" {
		t.Errorf("no file: auto titles %v from %s, want on by default", c.AutoTitles, c.Source("auto_titles"))
	}
	c, err = loadWith(t, loadCase{file: "auto_titles = false\n"}, "linux")
	if err != nil {
		t.Fatal(err)
	}
	if c.AutoTitles || !strings.HasPrefix(c.Source("auto_titles").String(), "config file ") {
		t.Errorf("auto_titles = false: %v from %s", c.AutoTitles, c.Source("auto_titles"))
	}
	if _, err := loadWith(t, loadCase{file: "auto_titles = \"no\"\n"}, "linux"); err == nil {
		t.Error("auto_titles as a string is accepted")
	}
}
