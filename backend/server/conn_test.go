package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// connPair serves one real WebSocket over loopback TCP and hands the test the
// server's conn and the client's socket.
func connPair(t *testing.T, maxBytes int) (*conn, *websocket.Conn) {
	t.Helper()
	got := make(chan *conn, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			t.Errorf("accept: %v", err)
			return
		}
		c := newConn("test", ws, slog.New(slog.DiscardHandler), maxBytes)
		go c.writeLoop()
		go c.pingLoop(time.Hour)
		got <- c
		// Read so control frames (the peer's close reply) are handled.
		for {
			if _, _, err := ws.Read(context.Background()); err != nil {
				c.close(websocket.StatusNormalClosure, "peer closed", false)
				<-c.done
				<-c.pinged
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	cl.SetReadLimit(1 << 24)
	t.Cleanup(func() { _ = cl.CloseNow() })
	return <-got, cl
}

// readAll reads data frames until the close frame and returns them with the
// close status.
func readAll(t *testing.T, cl *websocket.Conn) ([]string, websocket.StatusCode) {
	t.Helper()
	var frames []string
	for {
		_, b, err := cl.Read(context.Background())
		if err != nil {
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				return frames, ce.Code
			}
			t.Fatalf("read ended without a close frame after %d frames: %v", len(frames), err)
		}
		frames = append(frames, string(b))
	}
}

// A clean stop delivers every queued frame before the close frame.
func TestCloseWithFlushDeliversEveryQueuedFrame(t *testing.T) {
	c, cl := connPair(t, 0)
	const n = 2000
	for i := range n {
		c.Send(fmt.Appendf(nil, `{"n":%d,"pad":%q}`, i, strings.Repeat("x", 200)))
	}
	c.close(websocket.StatusGoingAway, "server shutting down", true)
	frames, code := readAll(t, cl)
	if code != websocket.StatusGoingAway {
		t.Fatalf("close code %v, want going away", code)
	}
	if len(frames) != n {
		t.Fatalf("got %d frames before the close, want %d", len(frames), n)
	}
	for i, f := range frames {
		if !strings.HasPrefix(f, fmt.Sprintf(`{"n":%d,`, i)) {
			t.Fatalf("frame %d is %.20s", i, f)
		}
	}
}

// A client that stops reading is dropped with 1013 and a reason that it sees
// once it reads again, after the frames it was already sent.
func TestStalledReaderSeesTryAgainLaterWhenItReadsAgain(t *testing.T) {
	c, cl := connPair(t, 64<<10)
	frame := []byte(`"` + strings.Repeat("y", 16<<10) + `"`)
	// Paced, so the socket buffers fill and the writer is blocked in a write
	// when the client is dropped.
	for {
		select {
		case <-c.closed:
		default:
			c.Send(frame)
			time.Sleep(time.Millisecond)
			continue
		}
		break
	}
	// Longer than the 5 s a close handshake waits to write its frame: the
	// close frame must follow the blocked write whenever the peer reads again.
	time.Sleep(6 * time.Second)
	frames, code := readAll(t, cl)
	if code != websocket.StatusTryAgainLater {
		t.Fatalf("close code %v after %d frames, want 1013", code, len(frames))
	}
	if len(frames) == 0 {
		t.Fatal("no frame got out before the drop")
	}
	c.mu.Lock()
	held := c.held
	c.mu.Unlock()
	if held != 0 {
		t.Fatalf("held %d bytes after the close, want 0", held)
	}
}

// What the writer has taken but not written is still counted.
func TestHeldCountsFramesBeingWritten(t *testing.T) {
	c, _ := connPair(t, 64<<20)
	// Queued as one batch, so the writer takes all of it at once; the client
	// reads nothing, so at most what the socket buffers take (a few MiB) can
	// leave the writer's hands.
	const n, size = 40, 1 << 20
	c.mu.Lock()
	for range n {
		c.queue = append(c.queue, make([]byte, size))
		c.held += size
	}
	c.mu.Unlock()
	poke(c.wake)
	deadline := time.Now().Add(time.Minute)
	for {
		c.mu.Lock()
		q, held := len(c.queue), c.held
		c.mu.Unlock()
		if q == 0 {
			if held < (n-16)*size {
				t.Fatalf("held %d bytes while the writer still has most of %d MiB", held, n)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the writer never took the queue")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestWaitRoomReturnsWhenTheReaderCatchesUp(t *testing.T) {
	c, cl := connPair(t, 0)
	big := []byte(`"` + strings.Repeat("w", 1<<20) + `"`)
	for range 8 {
		c.Send(big)
	}
	got := make(chan error, 1)
	go func() { got <- c.WaitRoom(context.Background(), 0) }()
	for range 8 {
		if _, _, err := cl.Read(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-got; err != nil {
		t.Fatalf("WaitRoom: %v", err)
	}
	c.close(websocket.StatusNormalClosure, "", false)
	if err := c.WaitRoom(context.Background(), 0); !errors.Is(err, errConnClosed) {
		t.Fatalf("WaitRoom on a closed conn: %v", err)
	}
}

func TestDropDecision(t *testing.T) {
	const max = 100
	for _, tc := range []struct {
		name       string
		held, add  int
		since      time.Duration
		wantToDrop bool
	}{
		{"under the bound", 50, 40, time.Hour, false},
		{"over the bound but reading", 90, 40, stallGrace / 2, false},
		{"over the bound and stalled", 90, 40, stallGrace + time.Millisecond, true},
		{"far over the bound while creeping", 390, 20, 0, true},
		{"at the hard bound", 380, 20, 0, false},
	} {
		if got := dropDecision(tc.held, tc.add, max, tc.since); got != tc.wantToDrop {
			t.Errorf("%s: drop=%v, want %v", tc.name, got, tc.wantToDrop)
		}
	}
}
