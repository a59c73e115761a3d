package store

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/protocol"
)

func pf64(v float64) *float64 { return &v }
func pint(v int) *int         { return &v }

func TestPresetsSaveListReplaceDelete(t *testing.T) {
	ctx := context.Background()
	s, clk := openTest(t)
	if got, err := s.ListPresets(ctx); err != nil || len(got) != 0 {
		t.Fatalf("empty store lists %+v, %v", got, err)
	}
	coder := Preset{Name: "coder", System: "You write Go.", Model: "qwen",
		Params: protocol.Params{Temperature: pf64(0.2), TopP: pf64(0.9), ContextLength: pint(8192), ReasoningEffort: "high"}}
	saved, err := s.SavePreset(ctx, coder)
	if err != nil {
		t.Fatal(err)
	}
	created := clk.now()
	if !saved.CreatedAt.Equal(created) || !saved.UpdatedAt.Equal(created) ||
		!reflect.DeepEqual(saved.Params, coder.Params) || saved.System != coder.System || saved.Model != "qwen" {
		t.Fatalf("saved %+v", saved)
	}
	for _, n := range []string{"Beta", "alpha"} {
		if _, err := s.SavePreset(ctx, Preset{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	names := func() []string {
		t.Helper()
		ps, err := s.ListPresets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return out
	}
	if got := names(); !reflect.DeepEqual(got, []string{"alpha", "Beta", "coder"}) {
		t.Errorf("listed %v, want by name ignoring case", got)
	}

	// Saving under the same name replaces everything but created_at; an
	// absent parameter is absent again, not kept from before.
	clk.advance(time.Minute)
	again, err := s.SavePreset(ctx, Preset{Name: "coder", System: "You write Rust.", Params: protocol.Params{Temperature: pf64(1)}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.GetPreset(ctx, "coder")
	if err != nil {
		t.Fatal(err)
	}
	want := Preset{Name: "coder", System: "You write Rust.", Params: protocol.Params{Temperature: pf64(1)},
		CreatedAt: created, UpdatedAt: clk.now()}
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(again, want) {
		t.Errorf("replaced preset\n got %+v\nsave %+v\nwant %+v", got, again, want)
	}
	if got := names(); len(got) != 3 {
		t.Errorf("a replace added a row: %v", got)
	}

	if err := s.DeletePreset(ctx, "Beta"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.DeletePreset(ctx, "Beta"), ErrNotFound)
	wantErr(t, s.DeletePreset(ctx, "beta"), ErrNotFound)
	_, err = s.GetPreset(ctx, "Beta")
	wantErr(t, err, ErrNotFound)
	if got := names(); !reflect.DeepEqual(got, []string{"alpha", "coder"}) {
		t.Errorf("after delete %v", got)
	}
	_, err = s.SavePreset(ctx, Preset{})
	wantErr(t, err, ErrInvalid)
}

// Presets live in the database file: they outlast a restart.
func TestPresetsSurviveReopen(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/hearth.db"
	s := openAt(t, path)
	if _, err := s.SavePreset(ctx, Preset{Name: "kept", Model: "m", Params: protocol.Params{ContextLength: pint(4096)}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path)
	p, err := s.GetPreset(ctx, "kept")
	if err != nil || p.Model != "m" || p.Params.ContextLength == nil || *p.Params.ContextLength != 4096 {
		t.Fatalf("after reopen %+v, %v", p, err)
	}
}

// A chat can start with its own parameters and the preset they came from.
func TestCreateChatWithParamsAndPreset(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	params := protocol.Params{Temperature: pf64(0.5), ContextLength: pint(2048), ReasoningEffort: "low"}
	c := mustChat(t, s, NewChat{Title: "T", System: "sys", Model: "m", Params: params, Preset: "coder"})
	if !reflect.DeepEqual(c.Params, params) || c.Preset != "coder" {
		t.Fatalf("created %+v", c)
	}
	got, err := s.GetChat(ctx, c.ID)
	if err != nil || !reflect.DeepEqual(got.Params, params) || got.Preset != "coder" || got.System != "sys" {
		t.Fatalf("read back %+v, %v", got, err)
	}
	plain := mustChat(t, s, NewChat{})
	if !reflect.DeepEqual(plain.Params, protocol.Params{}) || plain.Preset != "" {
		t.Errorf("a chat without settings has %+v / %q", plain.Params, plain.Preset)
	}
}
