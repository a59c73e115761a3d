package llm_test

import (
	"bytes"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/backend/llm"
	"github.com/hearth-app/hearth/backend/llm/llmtest"
)

// A provider URL may carry user:password@ for a proxy in front of the model
// server. It is a credential: it is used, but never shown in what a user or
// a log sees.
func TestURLCredentialsAreUsedButNeverShown(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	srv.On("fail", llmtest.Script{Fail: llmtest.FailServer})
	srv.On("stall", llmtest.Script{Fail: llmtest.FailStallHeader})
	withCreds := strings.Replace(srv.URL, "http://", "http://alice:s3cret@", 1)
	for _, kind := range []string{llm.KindOpenAI, llm.KindOllama} {
		t.Run(kind, func(t *testing.T) {
			var logs bytes.Buffer
			base := withCreds + "/v1"
			if kind == llm.KindOllama {
				base = withCreds
			}
			p := provider(t, kind, base, func(c *llm.Config) {
				c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
				c.IdleTimeout = 200 * time.Millisecond
			})
			if strings.Contains(p.BaseURL(), "s3cret") || strings.Contains(p.BaseURL(), "alice") {
				t.Errorf("BaseURL() = %q shows the credentials", p.BaseURL())
			}
			if !strings.Contains(p.BaseURL(), strings.TrimPrefix(srv.URL, "http://")) {
				t.Errorf("BaseURL() = %q no longer names the server", p.BaseURL())
			}
			ok := collect(t, p, userAsks("m", "hello"))
			if ok.err != nil {
				t.Fatal(ok.err)
			}
			reqs := srv.Requests()
			if user, pass, _ := basicAuth(reqs[len(reqs)-1].Header.Get("Authorization")); user != "alice" || pass != "s3cret" {
				t.Errorf("credentials not sent: %q", reqs[len(reqs)-1].Header.Get("Authorization"))
			}
			for _, ask := range []string{"fail", "stall"} {
				r := collect(t, p, userAsks("m", ask))
				if r.err == nil {
					t.Fatalf("%s: no error", ask)
				}
				if msg := r.err.Error(); strings.Contains(msg, "s3cret") || strings.Contains(msg, "alice") {
					t.Errorf("%s: error shows the credentials: %q", ask, msg)
				}
			}
			// The short idle timeout is for the stall above; listing models
			// (several requests for their details) gets the default one, so a
			// busy machine is not mistaken for a stalled server.
			var listLogs bytes.Buffer
			lister := provider(t, kind, base, func(c *llm.Config) {
				c.Logger = slog.New(slog.NewTextHandler(&listLogs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			})
			if _, err := lister.Models(t.Context()); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(listLogs.String(), "s3cret") {
				t.Errorf("log shows the password:\n%s", listLogs.String())
			}
			if strings.Contains(logs.String(), "s3cret") {
				t.Errorf("log shows the password:\n%s", logs.String())
			}
		})
	}
}

func TestURLCredentialsHiddenWhenTheServerIsUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://alice:s3cret@" + l.Addr().String() + "/v1"
	_ = l.Close()
	var logs bytes.Buffer
	p := provider(t, llm.KindOpenAI, dead, func(c *llm.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	r := collect(t, p, userAsks("m", "hi"))
	if llm.CodeOf(r.err) != llm.CodeUnreachable {
		t.Fatalf("error %v, want unreachable", r.err)
	}
	for _, text := range []string{r.err.Error(), logs.String()} {
		if strings.Contains(text, "s3cret") || strings.Contains(text, "alice") {
			t.Errorf("credentials shown: %s", text)
		}
	}
}

// The stall error says what to raise, by name.
func TestStalledErrorNamesTheSetting(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	srv.SetDefault(llmtest.Script{Fail: llmtest.FailStallHeader})
	p := provider(t, llm.KindOpenAI, srv.URL+"/v1", func(c *llm.Config) { c.IdleTimeout = 150 * time.Millisecond })
	r := collect(t, p, userAsks("m", "hi"))
	if llm.CodeOf(r.err) != llm.CodeStalled {
		t.Fatalf("error %v, want stalled", r.err)
	}
	for _, want := range []string{"150ms", "provider_idle_timeout", "--provider-idle-timeout"} {
		if !strings.Contains(r.err.Error(), want) {
			t.Errorf("stall message %q does not mention %q", r.err, want)
		}
	}
}

func basicAuth(h string) (user, pass string, ok bool) {
	r, _ := http.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", h)
	return r.BasicAuth()
}

func TestBadProviderURLErrorHidesCredentials(t *testing.T) {
	for _, raw := range []string{"ftp://alice:s3cret@host/v1", "http://alice:s3cret@host:port/v1", "http://alice:s3cret@/v1"} {
		_, err := llm.New(llm.Config{BaseURL: raw})
		if err == nil {
			t.Fatalf("%s: no error", raw)
		}
		if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "alice") {
			t.Errorf("error shows the credentials: %v", err)
		}
	}
}
