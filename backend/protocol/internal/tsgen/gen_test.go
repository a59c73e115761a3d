package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// The committed file must be what the generator writes now: a Go change to the
// wire types, names or reasons that was not regenerated fails here, before the
// UI and the server disagree at run time.
func TestCommittedFileIsFresh(t *testing.T) {
	want, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(moduleRoot(t), "frontend", "src", "protocol.gen.ts")
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v\nrun go generate ./backend/protocol (or make generate) and commit the file", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	line := 0
	for line < len(g) && line < len(w) && g[line] == w[line] {
		line++
	}
	at := func(ls []string) string {
		if line < len(ls) {
			return ls[line]
		}
		return "(end of file)"
	}
	t.Fatalf("frontend/src/protocol.gen.ts is stale: run go generate ./backend/protocol (or make generate) and commit it\nfirst difference, line %d:\n  committed: %s\n  generated: %s",
		line+1, at(g), at(w))
}

func moduleRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// What the server sends must have exactly the fields the generated types say
// it has: a zero value (where omitempty leaves the most out) carries every
// required field and no optional one, nulls only where the type allows null,
// and a filled value carries every field under its generated name.
func TestOutboundTypesMatchEncodingJSON(t *testing.T) {
	ifaces, err := collect(roots)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range ifaces {
		if it.Dir != outbound {
			continue
		}
		t.Run(it.Name, func(t *testing.T) {
			zero := encodeKeys(t, reflect.New(it.Go).Elem())
			full := encodeKeys(t, filled(it.Go, 0))
			var names []string
			for _, f := range it.Fields {
				names = append(names, f.Name)
				v, present := zero[f.Name]
				if present == f.Optional {
					t.Errorf("%s: optional=%v but a zero value has it present=%v", f.Name, f.Optional, present)
				}
				if present && string(v) == "null" && !strings.HasSuffix(f.Type, "| null") && f.Type != "unknown" {
					t.Errorf("%s: a zero value encodes null but the type is %s", f.Name, f.Type)
				}
				if _, ok := full[f.Name]; !ok {
					t.Errorf("%s: absent from a filled value", f.Name)
				}
			}
			for k := range full {
				if !slices.Contains(names, k) {
					t.Errorf("the JSON has %q, the generated type does not", k)
				}
			}
		})
	}
}

func encodeKeys(t *testing.T, v reflect.Value) map[string]json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v.Interface())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// filled is a value of t with every field non-zero, so omitempty drops nothing.
func filled(t reflect.Type, depth int) reflect.Value {
	v := reflect.New(t).Elem()
	switch {
	case t == timeType:
		v.Set(reflect.ValueOf(time.Unix(1, 0)))
		return v
	case t == rawType:
		v.Set(reflect.ValueOf(json.RawMessage(`1`)))
		return v
	}
	switch t.Kind() {
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1)
	case reflect.String:
		v.SetString("x")
	case reflect.Interface:
		v.Set(reflect.ValueOf("x"))
	case reflect.Pointer:
		if depth < 3 {
			p := reflect.New(t.Elem())
			p.Elem().Set(filled(t.Elem(), depth+1))
			v.Set(p)
		}
	case reflect.Slice:
		if depth < 3 {
			v.Set(reflect.Append(reflect.MakeSlice(t, 0, 1), filled(t.Elem(), depth+1)))
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(t))
		v.SetMapIndex(filled(t.Key(), depth+1), filled(t.Elem(), depth+1))
	case reflect.Struct:
		for i := range t.NumField() {
			if t.Field(i).IsExported() {
				v.Field(i).Set(filled(t.Field(i).Type, depth+1))
			}
		}
	}
	return v
}

type inner struct {
	A int `json:"a"`
}

type Embedded struct {
	E string `json:"e"`
}

type sample struct {
	Embedded
	Opt      *inner           `json:"opt,omitempty"`
	Ptr      *inner           `json:"ptr"`
	List     []string         `json:"list"`
	ListOpt  []string         `json:"list_opt,omitempty"`
	Ptrs     []*inner         `json:"ptrs,omitempty"`
	Map      map[string]int   `json:"map"`
	Bytes    []byte           `json:"bytes,omitempty"`
	When     time.Time        `json:"when,omitempty"`
	WhenZero time.Time        `json:"when_zero,omitzero"`
	Raw      json.RawMessage  `json:"raw"`
	Any      any              `json:"any"`
	Quoted   int64            `json:"quoted,string"`
	Skipped  string           `json:"-"`
	NoTag    bool             //
	hidden   string           // unexported: never encoded
	Nested   map[string][]int `json:"nested,omitempty"`
}

func TestTypeRules(t *testing.T) {
	ifaces, err := collect([]root{{sample{}, outbound}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range ifaces[0].Fields {
		q := ""
		if f.Optional {
			q = "?"
		}
		got[f.Name] = q + f.Type
	}
	want := map[string]string{
		"e":         "string",
		"opt":       "?inner",
		"ptr":       "inner | null",
		"list":      "string[] | null",
		"list_opt":  "?string[]",
		"ptrs":      "?(inner | null)[]",
		"map":       "Record<string, number> | null",
		"bytes":     "?string",
		"when":      "string", // omitempty never leaves out a struct
		"when_zero": "?string",
		"raw":       "unknown",
		"any":       "unknown",
		"quoted":    "string",
		"NoTag":     "boolean",
		"nested":    "?Record<string, number[] | null>",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fields\n got %v\nwant %v", got, want)
	}
	if len(ifaces) != 2 || ifaces[1].Name != "inner" {
		t.Errorf("the struct a field uses is generated after its user: %v", ifaces)
	}

	in, err := collect([]root{{sample{}, inbound}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range in[0].Fields {
		if !f.Optional || strings.Contains(f.Type, "null") {
			t.Errorf("inbound %s: %q optional=%v; a client may leave any field out and never needs null", f.Name, f.Type, f.Optional)
		}
	}
}

func TestRefusesWhatItCannotDescribe(t *testing.T) {
	type both struct {
		In inner `json:"in"`
	}
	if _, err := collect([]root{{inner{}, outbound}, {both{}, inbound}}); err == nil {
		t.Error("a struct sent and received should be refused")
	}
	type custom struct {
		T json.Number `json:"t"` // a string type: fine
		U time.Duration
		M struct{ X int } `json:"m"`
	}
	if _, err := collect([]root{{custom{}, outbound}}); err == nil || !strings.Contains(err.Error(), "anonymous") {
		t.Errorf("an anonymous struct should be refused, got %v", err)
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		`it's`:         `'it\'s'`,
		"a\\b":         `'a\\b'`,
		"line\nbreak":  `'line\nbreak'`,
		"“typo” é":     `'“typo” é'`,
		"sep\u2028":    `'sep\u2028'`,
		"bell\x07":     `'bell\u0007'`,
		"`hearth` ok.": "'`hearth` ok.'",
	} {
		if got := quote(in); got != want {
			t.Errorf("quote(%q) = %s, want %s", in, got, want)
		}
	}
}
