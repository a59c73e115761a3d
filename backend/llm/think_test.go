package llm

import (
	"regexp"
	"strings"
	"testing"
)

// splitAll feeds chunks through a splitter and returns all segments, merged
// across pushes the way a consumer concatenating events would see them.
func splitAll(hold int, chunks []string) []segment {
	sp := newThinkSplitter(hold)
	var all []segment
	for _, c := range chunks {
		all = append(all, sp.push(c)...)
	}
	all = append(all, sp.flush()...)
	var out []segment
	var b strings.Builder
	for i, s := range all {
		if s.text == "" {
			panic("empty segment")
		}
		b.WriteString(s.text)
		if i+1 == len(all) || all[i+1].reasoning != s.reasoning {
			out = append(out, segment{reasoning: s.reasoning, text: b.String()})
			b.Reset()
		}
	}
	return out
}

func render(segs []segment) string {
	var b strings.Builder
	for _, s := range segs {
		if s.reasoning {
			b.WriteString("R[" + s.text + "]")
		} else {
			b.WriteString("C[" + s.text + "]")
		}
	}
	return b.String()
}

func TestThinkSplitter(t *testing.T) {
	cases := []struct {
		name   string
		hold   int
		chunks []string
		want   string
	}{
		{"plain text", 0, []string{"Hello", " world"}, "C[Hello world]"},
		{"think block", 0, []string{"<think>abc</think>answer"}, "R[abc]C[answer]"},
		{"open tag split", 0, []string{"<thi", "nk>abc</think>answer"}, "R[abc]C[answer]"},
		{"open tag split thrice", 0, []string{"<", "th", "ink", ">abc</think>x"}, "R[abc]C[x]"},
		{"close tag split", 0, []string{"<think>abc</th", "ink>answer"}, "R[abc]C[answer]"},
		{"close tag split at slash", 0, []string{"<think>abc<", "/", "think>answer"}, "R[abc]C[answer]"},
		{"both split", 0, []string{"<thi", "nk>ab", "c</th", "ink>ans", "wer"}, "R[abc]C[answer]"},
		{"leading whitespace goes with reasoning", 0, []string{"\n", "<think>", "x</think>\n\ny"}, "R[\nx]C[\n\ny]"},
		{"no-open with hold", 1000, []string{"Let me ", "think.</thi", "nk>Answer"}, "R[Let me think.]C[Answer]"},
		{"no-open without hold strips the tag", 0, []string{"Let me ", "think.</thi", "nk>Answer"}, "C[Let me think.Answer]"},
		{"no-open past the hold", 5, []string{"abcdefgh</think>x"}, "C[abcdefghx]"},
		{"no-open exactly at the hold", 8, []string{"abcdefgh</think>x"}, "R[abcdefgh]C[x]"},
		{"no tag within hold is answer at the end", 1000, []string{"just ", "an answer"}, "C[just an answer]"},
		{"partial tag at end is text", 0, []string{"answer <thi"}, "C[answer <thi]"},
		{"lone angle bracket", 0, []string{"<"}, "C[<]"},
		{"lookalike tags", 0, []string{"a < b, <thinking> and </thin>"}, "C[a < b, <thinking> and </thin>]"},
		{"interleaved blocks", 0, []string{"<think>a</think>b<think>c</think>d"}, "R[a]C[b]R[c]C[d]"},
		{"stray close in answer", 0, []string{"x</think>y"}, "C[xy]"},
		{"nested open in reasoning", 0, []string{"<think>a<think>b</think>c"}, "R[ab]C[c]"},
		{"text before open tag", 0, []string{"text<think>r</think>"}, "C[text]R[r]"},
		{"empty block", 0, []string{"<think></think>answer"}, "C[answer]"},
		{"unterminated block", 0, []string{"<think>still thinking"}, "R[still thinking]"},
		{"unicode", 0, []string{"<think>日本", "</think>語"}, "R[日本]C[語]"},
		{"whitespace only", 0, []string{" \n", "\t"}, "C[ \n\t]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := render(splitAll(tc.hold, tc.chunks)); got != tc.want {
				t.Fatalf("chunks %q: got %s, want %s", tc.chunks, got, tc.want)
			}
			// Any other chunking of the same text gives the same split.
			whole := strings.Join(tc.chunks, "")
			if got := render(splitAll(tc.hold, bytesOf(whole))); got != tc.want {
				t.Fatalf("byte by byte: got %s, want %s", got, tc.want)
			}
			for i := 0; i <= len(whole); i++ {
				if got := render(splitAll(tc.hold, []string{whole[:i], whole[i:]})); got != tc.want {
					t.Fatalf("split at %d: got %s, want %s", i, got, tc.want)
				}
			}
		})
	}
}

func bytesOf(s string) []string {
	out := make([]string, len(s))
	for i := 0; i < len(s); i++ {
		out[i] = s[i : i+1]
	}
	return out
}

func TestThinkSplitterResolve(t *testing.T) {
	sp := newThinkSplitter(noOpenHold)
	if segs := sp.push("Hello"); len(segs) != 0 {
		t.Fatalf("held text leaked before a decision: %v", segs)
	}
	if got := render(sp.resolve()); got != "C[Hello]" {
		t.Fatalf("resolve: got %s", got)
	}
	if got := render(sp.push(" world</think>")); got != "C[ world]" {
		t.Fatalf("after resolve: got %s", got)
	}
}

func TestHoldFor(t *testing.T) {
	for model, long := range map[string]bool{
		"deepseek-r1:14b":                         true,
		"DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf": true,
		"qwq:32b":                     true,
		"Qwen3-30B-A3B-Thinking-2507": true,
		"deepseek-reasoner":           true,
		"llama3.2:3b":                 false,
		"qwen2.5-coder1.5b":           false,
		"":                            false,
	} {
		if got := holdFor(model) > 0; got != long {
			t.Errorf("holdFor(%q) > 0 = %v, want %v", model, got, long)
		}
	}
}

var tagRE = regexp.MustCompile(`<think>|</think>`)

// FuzzThinkSplitter checks, for any text and any chunking: nothing panics,
// the emitted text is the input minus tags, and — as long as the text stays
// under the hold cap — which part is reasoning does not depend on chunking.
func FuzzThinkSplitter(f *testing.F) {
	f.Add("<think>abc</think>answer", []byte{3, 1, 4}, uint16(0))
	f.Add("reasoning</think>answer", []byte{2, 7}, uint16(500))
	f.Add(" \n<thi<think>nk></think>x", []byte{1, 1, 1}, uint16(3))
	f.Add("a</think>b<think>c", []byte{5}, uint16(1))
	f.Fuzz(func(t *testing.T, input string, cuts []byte, hold uint16) {
		var chunks []string
		rest := input
		for i := 0; len(rest) > 0; i++ {
			n := len(rest)
			if len(cuts) > 0 {
				n = min(n, int(cuts[i%len(cuts)])%9+1)
			}
			chunks = append(chunks, rest[:n])
			rest = rest[n:]
		}
		got := splitAll(int(hold), chunks)
		var all strings.Builder
		for i, s := range got {
			if s.text == "" {
				t.Fatalf("empty segment %d", i)
			}
			all.WriteString(s.text)
		}
		if want := tagRE.ReplaceAllString(input, ""); all.String() != want {
			t.Fatalf("text changed: got %q, want %q", all.String(), want)
		}
		if len(input) < maxHold {
			if whole := render(splitAll(int(hold), []string{input})); whole != render(got) {
				t.Fatalf("chunking changed the split: %s vs %s", render(got), whole)
			}
		}
	})
}
