package media

import (
	"errors"
	"sync"
)

// docCacheBytes bounds the extracted text kept in memory. Every turn of a
// chat sends its documents again; reading a PDF each time would cost more
// than the answer's first token.
const docCacheBytes = 32 << 20

// docCache maps a document id (its content hash, so an entry never goes
// stale) to its text, evicting the oldest entries past docCacheBytes.
type docCache struct {
	mu    sync.Mutex
	text  map[string]string
	order []string
	bytes int
}

func (c *docCache) get(id string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.text[id]
	return t, ok
}

func (c *docCache) put(id, text string) {
	if len(text) > docCacheBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.text == nil {
		c.text = map[string]string{}
	}
	if _, ok := c.text[id]; ok {
		return
	}
	for c.bytes+len(text) > docCacheBytes && len(c.order) > 0 {
		old := c.order[0]
		c.order = c.order[1:]
		c.bytes -= len(c.text[old])
		delete(c.text, old)
	}
	c.text[id] = text
	c.order = append(c.order, id)
	c.bytes += len(text)
}

// DocumentText is the text of the stored document id, as ExtractText gives
// it: the same bytes always give the same text, so a chat's model reads the
// same words every turn.
func (f *Files) DocumentText(id, mime string) (string, error) {
	if f == nil {
		return "", errors.New("media is not enabled")
	}
	if t, ok := f.docs.get(id); ok {
		return t, nil
	}
	data, err := f.ReadAll(id)
	if err != nil {
		return "", err
	}
	text, err := ExtractText(mime, data)
	if err != nil {
		return "", err
	}
	f.docs.put(id, text)
	return text, nil
}
