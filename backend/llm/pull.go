package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// PullProgress is one step of a model download.
type PullProgress struct {
	// Status is Ollama's own words: "pulling manifest", "pulling 6a0746a1ec1a",
	// "verifying sha256 digest", "writing manifest", "success".
	Status string
	// Completed and Total add up every layer seen so far; Total grows when a
	// later layer starts (the model's weights come first, so it grows little).
	Completed, Total int64
}

// Puller is a provider that can download models by name: Ollama's.
type Puller interface {
	Pull(ctx context.Context, name string, progress func(PullProgress)) error
}

// pullIdle is how long a pull may say nothing: Ollama reports nothing while
// it checks the digest of a large download, which takes minutes on a slow
// disk, so the stream's usual idle limit would cut a good pull.
const pullIdle = 5 * time.Minute

type olPullLine struct {
	Status    string          `json:"status"`
	Digest    string          `json:"digest"`
	Total     int64           `json:"total"`
	Completed int64           `json:"completed"`
	Error     json.RawMessage `json:"error"`
}

// Pull downloads name with POST /api/pull, calling progress for each line
// Ollama streams. It returns nil once Ollama says "success"; cancelling ctx
// aborts the request, which stops Ollama's download (it keeps the part it
// has, so a later pull resumes).
func (p *ollama) Pull(ctx context.Context, name string, progress func(PullProgress)) error {
	c := *p.c
	c.idle = max(c.idle, pullIdle)
	k, err := c.open(ctx, http.MethodPost, "/api/pull", map[string]any{"model": name, "stream": true}, name)
	if err != nil {
		// A refusal before the stream (newer Ollamas answer an unknown name
		// with a status) reads as a download refused, not a missing model.
		var e *Error
		if errors.As(err, &e) && (e.Code == CodeModelNotFound || e.Code == CodeBadRequest) && e.said != "" {
			return c.pullError(name, e.said)
		}
		return err
	}
	defer k.done()
	if k.contentType() == "text/html" {
		return c.webPageError()
	}
	type layer struct{ total, completed int64 }
	var order []string
	layers := map[string]*layer{}
	nd := newNDJSONReader(k.body())
	for {
		line, err := nd.next()
		if err != nil {
			switch {
			case errors.As(err, new(lineTooLongError)):
				return c.malformedError(nil, err)
			case err == io.EOF:
				return &Error{
					Code:    CodeCut,
					Message: fmt.Sprintf("The model server at %s stopped the download of %s before it finished. Try again: it resumes where it stopped.", c.shown, name),
					Err:     errors.New("llm: pull stream ended without success"),
				}
			}
			return k.fail(err)
		}
		var l olPullLine
		if err := json.Unmarshal(line, &l); err != nil {
			return c.malformedError(line, err)
		}
		if said := rawMessage(l.Error); said != "" {
			return c.pullError(name, said)
		}
		if l.Digest != "" {
			ly := layers[l.Digest]
			if ly == nil {
				ly = &layer{}
				layers[l.Digest] = ly
				order = append(order, l.Digest)
			}
			ly.total = max(ly.total, l.Total)
			ly.completed = max(ly.completed, l.Completed)
		}
		var pr PullProgress
		pr.Status = l.Status
		for _, d := range order {
			pr.Total += layers[d].total
			pr.Completed += layers[d].completed
		}
		progress(pr)
		if l.Status == "success" {
			return nil
		}
	}
}

// pullError words what Ollama said when it could not download name.
func (c *conn) pullError(name, said string) *Error {
	low := strings.ToLower(said)
	if strings.Contains(low, "file does not exist") || strings.Contains(low, "not found") {
		return &Error{
			Code: CodeModelNotFound,
			Message: fmt.Sprintf("Ollama has no model named %q (%s). Check the name at https://ollama.com/library, e.g. llama3.2 or qwen3:8b.",
				name, endSentence(said)),
			Err:  fmt.Errorf("llm: pull %s: %s", name, said),
			said: said,
		}
	}
	return &Error{
		Code:    CodeServerError,
		Message: fmt.Sprintf("Ollama at %s could not download %s: %s", c.shown, name, endSentence(said)),
		Err:     fmt.Errorf("llm: pull %s: %s", name, said),
		said:    said,
	}
}
