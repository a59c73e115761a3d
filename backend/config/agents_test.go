package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestAgentsFromFile(t *testing.T) {
	file := `
[[agents]]
name = "echo"
description = "  says it back "
command = ["~/bin/echo-agent", "--fast"]

[[agents]]
name = "nano"
nanobot_url = "ws://127.0.0.1:8765/"
token = "s3cret"
`
	c, err := loadWith(t, loadCase{file: file}, "linux")
	if err != nil {
		t.Fatal(err)
	}
	want := []AgentConfig{
		{Name: "echo", Description: "says it back", Command: []string{"/home/u/bin/echo-agent", "--fast"}},
		{Name: "nano", NanobotURL: "ws://127.0.0.1:8765/", Token: "s3cret"},
	}
	if !reflect.DeepEqual(c.Agents, want) {
		t.Errorf("Agents = %+v, want %+v", c.Agents, want)
	}
	if got := describe(t, c, c.Source("agents")); got != "file" {
		t.Errorf("agents from %s", got)
	}
	if c.AgentLogDir() != "/home/u/.local/state/hearth/agents" {
		t.Errorf("AgentLogDir = %q", c.AgentLogDir())
	}

	c, err = loadWith(t, loadCase{}, "linux")
	if err != nil || c.Agents != nil || c.Source("agents").Layer != LayerDefault {
		t.Fatalf("no [[agents]]: %v (%v), %v", c.Agents, c.Source("agents"), err)
	}
	if (Config{DataDir: "/d"}).AgentLogDir() != "/d/agents" {
		t.Error("a Config without a state dir logs under its data dir")
	}
}

func TestAgentsRefused(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"[[agents]]\ncommand = [\"a\"]\n", "[[agents]] #1: name is required"},
		{"[[agents]]\nname = \"has space\"\ncommand = [\"a\"]\n", `[[agents]] #1 ("has space"): name must be 1 to 64 letters`},
		{"[[agents]]\nname = \"a\"\ncommand = [\"a\"]\n[[agents]]\nname = \"a\"\ncommand = [\"b\"]\n", `[[agents]] #2 ("a"): another [[agents]] table has the same name`},
		{"[[agents]]\nname = \"a\"\n", "set command = [\"program\", \"arg\", ...]"},
		{"[[agents]]\nname = \"a\"\ncommand = [\"x\"]\nnanobot_url = \"ws://h/\"\n", "not both"},
		{"[[agents]]\nname = \"a\"\ncommand = []\n", "command needs at least the program"},
		{"[[agents]]\nname = \"a\"\ncommand = [\"\"]\n", "command needs at least the program"},
		{"[[agents]]\nname = \"a\"\ncommand = [\"x\"]\ntoken = \"t\"\n", "token belongs to a nanobot_url agent"},
		{"[[agents]]\nname = \"a\"\nnanobot_url = \"http://127.0.0.1:8765/\"\n", `nanobot_url "http://127.0.0.1:8765/" must start with ws:// or wss://`},
		{"[[agents]]\nname = \"a\"\nnanobot_url = \"ws://\"\n", "has no host"},
		{"[[agents]]\nname = \"a\"\nnanobot_url = \"wss://h/\"\ntoken = \"a b\"\n", "token must not contain spaces"},
		{"[[agents]]\nname = \"a\"\ndescription = \"" + strings.Repeat("x", 1001) + "\"\ncommand = [\"x\"]\n", "description is at most 1000 bytes"},
		{"[[agents]]\nname = \"a\"\ncommand = [\"x\"]\nComand = [\"y\"]\n", `unknown key "agents.Comand"`},
		{"agents = \"x\"\n", "agents"},
	} {
		_, err := loadWith(t, loadCase{file: tc.file}, "linux")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.file, err, tc.want)
		}
	}
	// Every problem at once, each naming the file.
	_, err := loadWith(t, loadCase{file: "[[agents]]\nname = \"\"\n[[agents]]\nname = \"b\"\nnanobot_url = \"x\"\n"}, "linux")
	if err == nil || strings.Count(err.Error(), "(from config file ") != 3 {
		t.Errorf("errors: %v", err)
	}
}
