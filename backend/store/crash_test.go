package store

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// crashEnv tells the re-executed test binary to act as the child writer.
const crashEnv = "HEARTH_STORE_CRASH_CHILD_DB"

// TestCrashChild is not a test on its own: TestCrashKeepsCommittedWrites
// runs it in a child process and kills it mid-write. It reports each write
// on stdout only after the call that committed it returned.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("helper process for TestCrashKeepsCommittedWrites")
	}
	ctx := context.Background()
	s, err := Open(ctx, path, Options{})
	if err != nil {
		fmt.Printf("error open: %v\n", err)
		os.Exit(3)
	}
	c, err := s.CreateChat(ctx, NewChat{ID: "crash"})
	if err != nil {
		fmt.Printf("error chat: %v\n", err)
		os.Exit(3)
	}
	a, err := s.StartAssistant(ctx, c.ID, "turn", "m", 1, nil)
	if err != nil {
		fmt.Printf("error start: %v\n", err)
		os.Exit(3)
	}
	fmt.Printf("assistant %d\n", a.ID)
	filler := strings.Repeat("lorem ipsum ", 40)
	for seq := int64(2); ; seq++ {
		m, err := s.AppendUserMessage(ctx, c.ID, seq, fmt.Sprintf("message %d %s", seq, filler), nil, "")
		if err != nil {
			fmt.Printf("error append: %v\n", err)
			os.Exit(3)
		}
		fmt.Printf("user %d %d\n", m.ID, seq)
		if seq%7 == 0 {
			if err := s.ReserveSeq(ctx, c.ID, seq+1000); err != nil {
				fmt.Printf("error reserve: %v\n", err)
				os.Exit(3)
			}
			if err := s.CheckpointAssistant(ctx, a.ID, int(seq), Checkpoint{Content: fmt.Sprintf("|upto %d", seq)}); err != nil {
				fmt.Printf("error checkpoint: %v\n", err)
				os.Exit(3)
			}
			fmt.Printf("checkpoint %d\n", seq)
		}
	}
}

func TestCrashKeepsCommittedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hearth.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	var assistantID int64
	users := map[int64]int64{} // message id -> seq
	var lastCheckpoint, maxSeq int64
	parse := func(line string) {
		var a, b int64
		switch {
		case strings.HasPrefix(line, "error"):
			t.Errorf("child: %s", line)
		case fmtScan(line, "assistant %d", &a):
			assistantID = a
		case fmtScan(line, "user %d %d", &a, &b):
			users[a] = b
			maxSeq = max(maxSeq, b)
		case fmtScan(line, "checkpoint %d", &a):
			lastCheckpoint = a
		}
	}
	sc := bufio.NewScanner(out)
	deadline := time.Now().Add(60 * time.Second)
	for len(users) < 200 && time.Now().Before(deadline) && sc.Scan() {
		parse(sc.Text())
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no deferred code, no Close
		t.Fatal(err)
	}
	// Lines already in the pipe were printed after their commit too.
	for sc.Scan() {
		parse(sc.Text())
	}
	_ = cmd.Wait()
	if len(users) < 50 {
		t.Fatalf("child reported only %d writes; stderr:\n%s", len(users), stderr.String())
	}
	t.Logf("child reported %d user messages, last checkpoint at seq %d", len(users), lastCheckpoint)

	s := openAt(t, path)
	var check string
	if err := s.w.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	if err := foreignKeyCheck(ctx, s.w); err != nil {
		t.Fatal(err)
	}
	ftsIntegrity(t, s)
	for id, seq := range users {
		m, err := s.GetMessage(ctx, id)
		if err != nil || m.Seq != seq {
			t.Fatalf("reported message %d (seq %d) after crash: %+v %v", id, seq, m, err)
		}
	}
	chat, err := s.GetChat(ctx, "crash")
	if err != nil || chat.LastSeq < maxSeq || chat.MessageCount < len(users)+1 {
		t.Fatalf("chat after crash %+v %v (max reported seq %d)", chat, err, maxSeq)
	}

	rec, err := s.RecoverInterrupted(ctx)
	if err != nil || len(rec) != 1 || rec[0].ID != assistantID {
		t.Fatalf("recovered %+v %v", rec, err)
	}
	var upto int64
	parts := strings.Split(rec[0].Content, "|")
	if lastCheckpoint > 0 && (!fmtScan(parts[len(parts)-1], "upto %d", &upto) || upto < lastCheckpoint) {
		t.Errorf("interrupted text %q older than reported checkpoint %d", rec[0].Content, lastCheckpoint)
	}
	if chat.SeqHWM < lastCheckpoint+1000 || rec[0].StreamEndSeq != chat.SeqHWM+1 || rec[0].EndSeq != chat.SeqHWM+2 {
		t.Errorf("recovered seqs %d/%d, hwm before %d, reported checkpoint %d",
			rec[0].StreamEndSeq, rec[0].EndSeq, chat.SeqHWM, lastCheckpoint)
	}
}

// fmtScan reports whether line matches format exactly.
func fmtScan(line, format string, args ...any) bool {
	n, err := fmt.Sscanf(line, format, args...)
	return err == nil && n == len(args)
}
