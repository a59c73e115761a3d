package turns

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
)

// procField reads a number from a /proc/self file (Linux only).
func procField(b *testing.B, file, key string) int64 {
	b.Helper()
	f, err := os.Open("/proc/self/" + file)
	if err != nil {
		b.Skipf("no /proc here: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && k == key {
			n, err := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	b.Fatalf("%s not in /proc/self/%s", key, file)
	return 0
}

// written is what the process has passed to write(2) so far: the WAL, the
// database file at WAL checkpoints. The benchmarks use no sockets, so it is
// the store's writes.
func written(b *testing.B) int64 { return procField(b, "io", "wchar") }

func benchEngine(b *testing.B, every time.Duration, run func(context.Context, llm.Request, func(llm.Event) error) error) (*Engine, *store.Store, string) {
	b.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	prov := &scriptProvider{run: run, forget: true}
	eng := New(Options{Store: st, Providers: prov, Logger: slog.New(slog.DiscardHandler), CheckpointEvery: every,
		MaxAnswerBytes: 64 << 20})
	b.Cleanup(func() {
		_ = eng.Shutdown(ctx)
		st.Close()
	})
	c, err := st.CreateChat(ctx, store.NewChat{Title: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	return eng, st, c.ID
}

type endSink struct{ ends chan struct{} }

func (s *endSink) Send(f []byte) {
	if strings.Contains(string(f), `"event":"turn_end"`) {
		s.ends <- struct{}{}
	}
}

// BenchmarkCheckpointWrites streams one answer and reports what the process
// wrote per byte streamed, and per checkpoint. "paced" streams 25 tokens
// (150 bytes) per checkpoint interval, as a 100 tok/s model does with the
// 250 ms checkpoints (scaled to 10 ms so it runs quickly); "full" streams as
// fast as it can with the real 250 ms interval. Lengths of 20k and 80k
// tokens show the cost per byte does not grow with the answer.
func BenchmarkCheckpointWrites(b *testing.B) {
	const tok = "word, " // 6 bytes
	for _, tc := range []struct {
		name   string
		tokens int
		every  time.Duration
		paced  bool
	}{
		{"paced/20k", 20_000, 10 * time.Millisecond, true},
		{"paced/80k", 80_000, 10 * time.Millisecond, true},
		{"full/20k", 20_000, 250 * time.Millisecond, false},
		{"full/80k", 80_000, 250 * time.Millisecond, false},
		{"full/700k", 700_000, 250 * time.Millisecond, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			run := func(ctx context.Context, _ llm.Request, emit func(llm.Event) error) error {
				next := time.Now()
				for i := range tc.tokens {
					if tc.paced && i%25 == 0 {
						next = next.Add(tc.every)
						time.Sleep(time.Until(next))
					}
					if err := emit(llm.Event{Kind: llm.EventContent, Text: tok}); err != nil {
						return err
					}
				}
				return nil
			}
			eng, _, chat := benchEngine(b, tc.every, run)
			sink := &endSink{ends: make(chan struct{}, 1)}
			ctx := context.Background()
			var wrote, dirtied, took int64
			for b.Loop() {
				before, dirty0, t0 := written(b), procField(b, "io", "write_bytes"), time.Now()
				if err := eng.Send(ctx, protocol.SendMessage{ChatID: chat, Content: "go"}, sink); err != nil {
					b.Fatal(err)
				}
				<-sink.ends
				wrote += written(b) - before
				dirtied += procField(b, "io", "write_bytes") - dirty0
				took += time.Since(t0).Nanoseconds()
			}
			streamed := float64(b.N * tc.tokens * len(tok))
			checkpoints := float64(took) / float64(tc.every.Nanoseconds())
			b.ReportMetric(float64(wrote)/streamed, "written/streamed")
			// What reached the page cache as new dirty data: a page written
			// again before the kernel flushed it counts once.
			b.ReportMetric(float64(dirtied)/streamed, "dirtied/streamed")
			b.ReportMetric(float64(wrote)/checkpoints, "B/checkpoint")
		})
	}
}

// BenchmarkTurnMemory runs 1,000 short turns to warm up, then two windows of
// 10,000 more over 20 followed chats, and reports how RSS and the Go heap
// grew per turn in each window. SQLite's page caches (2 MiB for each of the
// store's five connections) fill while the database grows during the first
// window; the second shows what is left. Run it with -benchtime=1x.
func BenchmarkTurnMemory(b *testing.B) {
	eng, st, _ := benchEngine(b, 250*time.Millisecond, say("Sure, ", "here ", "is ", "a ", "short ", "answer."))
	ctx := context.Background()
	var chats []string
	for range 20 {
		c, err := st.CreateChat(ctx, store.NewChat{Title: "mem"})
		if err != nil {
			b.Fatal(err)
		}
		chats = append(chats, c.ID)
	}
	sink := &endSink{ends: make(chan struct{}, 1)}
	turns := func(n int) {
		for i := range n {
			if err := eng.Send(ctx, protocol.SendMessage{ChatID: chats[i%len(chats)], Content: fmt.Sprint("question ", i)}, sink); err != nil {
				b.Fatal(err)
			}
			<-sink.ends
		}
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	for b.Loop() {
		turns(1000)
		rss0, heap0 := procField(b, "status", "VmRSS"), heap()
		turns(10_000)
		rss1, heap1 := procField(b, "status", "VmRSS"), heap()
		turns(10_000)
		rss2, heap2 := procField(b, "status", "VmRSS"), heap()
		b.ReportMetric(float64(rss1-rss0)/10_000, "RSS-KiB/turn-1st")
		b.ReportMetric(float64(rss2-rss1)/10_000, "RSS-KiB/turn-2nd")
		b.ReportMetric((float64(heap1)-float64(heap0))/1024/10_000, "heap-KiB/turn-1st")
		b.ReportMetric((float64(heap2)-float64(heap1))/1024/10_000, "heap-KiB/turn-2nd")
		b.ReportMetric(float64(rss2)/1024, "RSS-MiB")
		if n := eng.Rooms(); n != len(chats) {
			b.Fatalf("%d rooms for %d followed chats", n, len(chats))
		}
	}
}
