package main

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hearth-app/hearth/backend/media"
	"github.com/hearth-app/hearth/backend/protocol"
)

// direction says which way a struct crosses the wire, because encoding/json
// treats the two differently: what the server writes has exactly the fields its
// tags say (an omitted field is absent, a nil slice is null), while what it
// reads may leave any field out.
type direction int

const (
	outbound direction = iota // server → client: encoded by the server
	inbound                   // client → server: decoded by the server
)

// The structs that cross the wire, in the order the file lists them. Structs
// they refer to are added after them. protocol.Settings is not here: no frame
// carries it as an object (SettingsEvent spreads it over Event's fields), so a
// TypeScript copy of it would describe JSON nobody sends.
var roots = []root{
	{protocol.Event{}, outbound},
	{protocol.Chat{}, outbound},
	{protocol.Message{}, outbound},
	{protocol.Media{}, outbound},
	{protocol.Usage{}, outbound},
	{protocol.Model{}, outbound},
	{protocol.Pull{}, outbound},
	{protocol.SearchHit{}, outbound},
	{protocol.Limits{}, outbound},
	{protocol.MCPServer{}, outbound},
	{protocol.Agent{}, outbound},
	{protocol.Frame{}, inbound},
	{protocol.MediaItem{}, inbound},
}

type root struct {
	v   any
	dir direction
}

// field is one property of a generated interface.
type field struct {
	Name     string // the JSON name
	Type     string // a TypeScript type expression
	Optional bool   // may be absent from the JSON
	index    []int  // where it is in the Go struct (for literals)
}

// iface is one generated interface.
type iface struct {
	Name   string
	Go     reflect.Type
	Dir    direction
	Fields []field
}

type collector struct {
	byType  map[reflect.Type]*iface
	byName  map[string]reflect.Type
	order   []*iface
	pending []*iface // registered, fields not read yet
}

var (
	timeType      = reflect.TypeFor[time.Time]()
	rawType       = reflect.TypeFor[json.RawMessage]()
	marshaler     = reflect.TypeFor[json.Marshaler]()
	unmarshaler   = reflect.TypeFor[json.Unmarshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
	identRe       = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)
)

// collect builds the interfaces of every root and of the structs they use.
func collect(roots []root) ([]*iface, error) {
	c := &collector{byType: map[reflect.Type]*iface{}, byName: map[string]reflect.Type{}}
	// Every root first, so the file lists them in the order above whatever
	// refers to what; the structs they use follow as they are found.
	for _, r := range roots {
		if _, err := c.add(reflect.TypeOf(r.v), r.dir); err != nil {
			return nil, err
		}
	}
	for len(c.pending) > 0 {
		it := c.pending[0]
		c.pending = c.pending[1:]
		if err := c.fill(it); err != nil {
			return nil, err
		}
	}
	return c.order, nil
}

// add registers a named struct and returns its TypeScript name.
func (c *collector) add(t reflect.Type, dir direction) (string, error) {
	if it, ok := c.byType[t]; ok {
		if it.Dir != dir {
			// Its TypeScript shape would depend on the way it travels; one
			// interface cannot say both.
			return "", fmt.Errorf("%s is both sent and received; give each direction its own type", t)
		}
		return it.Name, nil
	}
	if t.Name() == "" {
		return "", fmt.Errorf("an anonymous struct (%s) has no name to generate; declare it as a named type", t)
	}
	if other, ok := c.byName[t.Name()]; ok {
		return "", fmt.Errorf("%s and %s would both be called %s in TypeScript", other, t, t.Name())
	}
	it := &iface{Name: t.Name(), Go: t, Dir: dir}
	c.byType[t] = it
	c.byName[t.Name()] = t
	c.order = append(c.order, it)
	c.pending = append(c.pending, it)
	return it.Name, nil
}

// fill reads a registered struct's fields (registering the structs they use).
func (c *collector) fill(it *iface) error {
	fields, err := c.fields(it.Go, it.Dir, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", it.Go, err)
	}
	seen := map[string]bool{}
	for _, f := range fields {
		if seen[f.Name] {
			// encoding/json would drop both or pick one by depth; either way
			// the generated type would lie, so the Go side must say it once.
			return fmt.Errorf("%s: JSON field %q appears twice", it.Go, f.Name)
		}
		seen[f.Name] = true
	}
	it.Fields = fields
	return nil
}

// fields lists t's JSON fields as encoding/json sees them, embedded structs
// without a JSON name spread into their parent.
func (c *collector) fields(t reflect.Type, dir direction, index []int) ([]field, error) {
	var out []field
	for i := range t.NumField() {
		sf := t.Field(i)
		idx := append(append([]int(nil), index...), i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" {
			et := sf.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				inner, err := c.fields(et, dir, idx)
				if err != nil {
					return nil, err
				}
				out = append(out, inner...)
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		f, err := c.field(sf.Type, dir, name, parseOpts(opts))
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", sf.Name, err)
		}
		f.index = idx
		out = append(out, f)
	}
	return out, nil
}

type tagOpts struct{ omitEmpty, omitZero, asString bool }

func parseOpts(s string) tagOpts {
	var o tagOpts
	for _, p := range strings.Split(s, ",") {
		switch p {
		case "omitempty":
			o.omitEmpty = true
		case "omitzero":
			o.omitZero = true
		case "string":
			o.asString = true
		}
	}
	return o
}

// nilable kinds encode their nil as JSON null.
func nilable(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		return true
	}
	return false
}

func (c *collector) field(t reflect.Type, dir direction, name string, o tagOpts) (field, error) {
	typ, err := c.expr(t, dir)
	if err != nil {
		return field{}, err
	}
	if o.asString {
		switch t.Kind() {
		case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64, reflect.String:
			typ = "string" // `,string` quotes the value
		}
	}
	f := field{Name: name, Type: typ}
	if dir == inbound {
		// The decoder leaves an absent field at its zero value, and the router
		// says which fields a frame type needs; a client never has to send null.
		f.Optional = true
		return f, nil
	}
	// omitempty leaves out false, 0, "", nil and empty slices and maps, but
	// never a struct; omitzero leaves out any zero value.
	omitted := o.omitZero || (o.omitEmpty && t.Kind() != reflect.Struct)
	f.Optional = omitted
	if !omitted && nilable(t) && t.Kind() != reflect.Interface && t != rawType {
		f.Type = union(typ, "null")
	}
	return f, nil
}

// expr is the TypeScript type of a Go type's JSON, nil aside (the field adds null).
func (c *collector) expr(t reflect.Type, dir direction) (string, error) {
	switch t {
	case timeType:
		return "string", nil // RFC 3339
	case rawType:
		return "unknown", nil // any JSON at all
	}
	if t.Implements(marshaler) || reflect.PointerTo(t).Implements(marshaler) ||
		t.Implements(unmarshaler) || reflect.PointerTo(t).Implements(unmarshaler) ||
		t.Implements(textMarshaler) || reflect.PointerTo(t).Implements(textMarshaler) {
		// Its JSON is whatever its method writes; reflection cannot see that.
		return "", fmt.Errorf("%s has its own JSON encoding; teach tsgen its shape", t)
	}
	switch t.Kind() {
	case reflect.Bool:
		return "boolean", nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		// int64 too: every id and seq the server sends stays below 2^53.
		return "number", nil
	case reflect.String:
		return "string", nil
	case reflect.Interface:
		return "unknown", nil
	case reflect.Pointer:
		return c.expr(t.Elem(), dir)
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return "string", nil // []byte is base64
		}
		el, err := c.expr(t.Elem(), dir)
		if err != nil {
			return "", err
		}
		if dir == outbound && nilable(t.Elem()) && t.Elem().Kind() != reflect.Interface {
			el = union(el, "null")
		}
		if strings.ContainsAny(el, " |&") {
			el = "(" + el + ")"
		}
		return el + "[]", nil
	case reflect.Map:
		switch t.Key().Kind() {
		case reflect.String, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		default:
			return "", fmt.Errorf("map key %s has no JSON form tsgen knows", t.Key())
		}
		v, err := c.expr(t.Elem(), dir)
		if err != nil {
			return "", err
		}
		if dir == outbound && nilable(t.Elem()) && t.Elem().Kind() != reflect.Interface {
			v = union(v, "null")
		}
		return "Record<string, " + v + ">", nil // JSON object keys are strings
	case reflect.Struct:
		return c.add(t, dir)
	}
	return "", fmt.Errorf("%s (%s) cannot be JSON", t, t.Kind())
}

func union(a, b string) string { return a + " | " + b }

// generate renders the whole file.
func generate() ([]byte, error) {
	ifaces, err := collect(roots)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString("// Code generated by backend/protocol/internal/tsgen; DO NOT EDIT.\n")
	b.WriteString("// Run `go generate ./backend/protocol` (or `make generate`) after changing the\n")
	b.WriteString("// wire types, the names or the reasons in backend/protocol; a Go test fails\n")
	b.WriteString("// while this file is stale. frontend/src/protocol.ts builds on it.\n\n")

	fmt.Fprintf(&b, "/** protocol.Version: the protocol version `ready` announces. */\nexport const PROTOCOL_VERSION = %d;\n", protocol.Version)

	for _, it := range ifaces {
		b.WriteString("\n")
		if it.Dir == outbound {
			fmt.Fprintf(&b, "/** protocol.%s, as the server writes it. */\n", it.Go.Name())
		} else {
			fmt.Fprintf(&b, "/** protocol.%s, as the server reads it (the router says which fields a frame type needs). */\n", it.Go.Name())
		}
		fmt.Fprintf(&b, "export interface %s {\n", it.Name)
		for _, f := range it.Fields {
			opt := ""
			if f.Optional {
				opt = "?"
			}
			fmt.Fprintf(&b, "  %s%s: %s;\n", key(f.Name), opt, f.Type)
		}
		b.WriteString("}\n")
	}

	lim, err := literal(ifaces, protocol.Limits(media.DefaultLimits()))
	if err != nil {
		return nil, err
	}
	b.WriteString("\n/** media.DefaultLimits: what a server enforces unless configured otherwise (until `ready` says). */\n")
	fmt.Fprintf(&b, "export const DEFAULT_LIMITS: Limits = %s;\n", lim)

	if err := names(&b, "EVENT_NAMES", "EventName", "protocol.EventNames: every event the server sends.", protocol.EventNames()); err != nil {
		return nil, err
	}
	if err := names(&b, "COMMAND_NAMES", "CommandName", "protocol.CommandNames: every frame type the server accepts.", protocol.CommandNames()); err != nil {
		return nil, err
	}

	b.WriteString("\n/** protocol.Reasons: every reason the server sends, with words for people. */\n")
	b.WriteString("export const SERVER_REASONS = {\n")
	seen := map[string]bool{}
	for _, r := range protocol.Reasons() {
		if seen[r.Name] || r.Name == "" {
			return nil, fmt.Errorf("reason %q is empty or listed twice", r.Name)
		}
		seen[r.Name] = true
		fmt.Fprintf(&b, "  %s: %s,\n", key(r.Name), quote(r.Text))
	}
	b.WriteString("} as const;\n")
	b.WriteString("export type ServerReason = keyof typeof SERVER_REASONS;\n")
	return []byte(b.String()), nil
}

func names(b *strings.Builder, constName, typeName, doc string, list []string) error {
	fmt.Fprintf(b, "\n/** %s */\nexport const %s = [\n", doc, constName)
	seen := map[string]bool{}
	for _, n := range list {
		if seen[n] || n == "" {
			return fmt.Errorf("%s: %q is empty or listed twice", constName, n)
		}
		seen[n] = true
		fmt.Fprintf(b, "  %s,\n", quote(n))
	}
	fmt.Fprintf(b, "] as const;\nexport type %s = (typeof %s)[number];\n", typeName, constName)
	return nil
}

// literal writes a struct of numbers and strings as a TypeScript object, with
// the field names its generated interface has.
func literal(ifaces []*iface, v any) (string, error) {
	rv := reflect.ValueOf(v)
	for _, it := range ifaces {
		if it.Go != rv.Type() {
			continue
		}
		var parts []string
		for _, f := range it.Fields {
			fv := rv.FieldByIndex(f.index)
			var s string
			switch fv.Kind() {
			case reflect.Int, reflect.Int64:
				s = strconv.FormatInt(fv.Int(), 10)
			case reflect.String:
				s = quote(fv.String())
			default:
				return "", fmt.Errorf("literal of %s: field %s is a %s", rv.Type(), f.Name, fv.Kind())
			}
			parts = append(parts, "  "+key(f.Name)+": "+s+",\n")
		}
		return "{\n" + strings.Join(parts, "") + "}", nil
	}
	return "", fmt.Errorf("literal of %s: not a generated type", rv.Type())
}

func key(s string) string {
	if identRe.MatchString(s) {
		return s
	}
	return quote(s)
}

// quote is a single-quoted TypeScript string (the UI's own style).
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '\'':
			b.WriteString(`\'`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			// Control characters and the two line separators that end a line
			// in older JavaScript are escaped; everything else stays as UTF-8.
			if r < 0x20 || r == 0x7f || r == 0x2028 || r == 0x2029 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('\'')
	return b.String()
}
