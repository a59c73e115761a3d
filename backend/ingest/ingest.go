// Package ingest is the one way in for attachments: an upload, a message's
// inline data URLs and an import's files all become stored, recorded media
// here. Every check (the type sniffed from the bytes, each file's size, a
// message's count of images and videos) runs before anything is written, so a
// refused message or import leaves no file behind.
package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/hearth-app/hearth/backend/media"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
)

// Ingester stores and records attachments. A nil Ingester, or one without
// Files, refuses every attachment: media is disabled.
type Ingester struct {
	Store  *store.Store
	Files  *media.Files
	Limits media.Limits
}

// Blob is an imported attachment held in memory. Where says where it comes
// from, for refusals ("message 3: media[0]").
type Blob struct {
	Where string
	Name  string
	Data  []byte
}

func (in *Ingester) check() error {
	if in == nil || in.Files == nil {
		return protocol.Refuse(protocol.ReasonMediaDisabled, "media is not enabled on this server")
	}
	return nil
}

// Upload stores one file streamed from r. Put sniffs and caps while it
// streams and keeps nothing it refuses; the row is recorded after the bytes
// are on disk.
func (in *Ingester) Upload(ctx context.Context, r io.Reader, name string) (store.MediaRef, error) {
	if err := in.check(); err != nil {
		return store.MediaRef{}, err
	}
	info, err := in.Files.Put(ctx, r, name, in.Limits)
	if err != nil {
		return store.MediaRef{}, err
	}
	return in.record(ctx, info)
}

// Message resolves a message's media: ids name earlier uploads, data URLs are
// decoded and inspected in memory. The message's limits are checked on all of
// them; only then are the inline files stored and recorded. Refusals name the
// item ("media[2]: ...").
func (in *Ingester) Message(ctx context.Context, items []protocol.MediaItem) ([]store.MediaRef, error) {
	if len(items) == 0 {
		return nil, nil
	}
	if err := in.check(); err != nil {
		return nil, protocol.Refuse(protocol.ReasonInvalidMedia, "media is not enabled on this server")
	}
	refs := make([]store.MediaRef, len(items))
	infos := make([]media.Info, len(items))
	blobs := make([][]byte, len(items))
	for i, it := range items {
		if it.ID != "" {
			ref, err := in.Store.GetMedia(ctx, it.ID)
			if errors.Is(err, store.ErrNotFound) {
				return nil, protocol.Refuse(protocol.ReasonInvalidMedia, "media[%d]: no upload with id %s", i, it.ID)
			}
			if err != nil {
				return nil, fmt.Errorf("load media %s: %w", it.ID, err)
			}
			kind, _ := media.KindOf(ref.MIME)
			refs[i] = ref
			infos[i] = media.Info{ID: ref.ID, MIME: ref.MIME, Kind: kind, Size: ref.Size, Name: ref.Name}
			continue
		}
		data, err := media.ParseDataURL(it.DataURL)
		if err != nil {
			return nil, itemRefusal(fmt.Sprintf("media[%d]: ", i), err)
		}
		info, err := media.Inspect(data, it.Name, in.Limits)
		if err != nil {
			return nil, itemRefusal(fmt.Sprintf("media[%d]: ", i), err)
		}
		infos[i], blobs[i] = info, data
	}
	if err := media.CheckMessage(infos, in.Limits); err != nil {
		return nil, itemRefusal("", err)
	}
	for i, data := range blobs {
		if data == nil {
			continue
		}
		ref, err := in.store(ctx, data, items[i].Name)
		if err != nil {
			return nil, fmt.Errorf("media[%d]: %w", i, err)
		}
		refs[i] = ref
	}
	return refs, nil
}

// Blobs stores an import's files: every one is inspected before the first is
// written.
func (in *Ingester) Blobs(ctx context.Context, blobs []Blob) ([]store.MediaRef, error) {
	if len(blobs) == 0 {
		return nil, nil
	}
	if err := in.check(); err != nil {
		return nil, protocol.Refuse(protocol.ReasonInvalidMedia, "media is not enabled on this server")
	}
	for _, b := range blobs {
		if _, err := media.Inspect(b.Data, b.Name, in.Limits); err != nil {
			return nil, itemRefusal(b.Where+": ", err)
		}
	}
	refs := make([]store.MediaRef, len(blobs))
	for i, b := range blobs {
		ref, err := in.store(ctx, b.Data, b.Name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.Where, err)
		}
		refs[i] = ref
	}
	return refs, nil
}

func (in *Ingester) store(ctx context.Context, data []byte, name string) (store.MediaRef, error) {
	info, err := in.Files.Put(ctx, bytes.NewReader(data), name, in.Limits)
	if err != nil {
		return store.MediaRef{}, err
	}
	return in.record(ctx, info)
}

// record writes the row that makes a stored file an attachment. A file whose
// row cannot be written is an orphan the start-up sweep removes.
func (in *Ingester) record(ctx context.Context, info media.Info) (store.MediaRef, error) {
	ref := store.MediaRef{ID: info.ID, MIME: info.MIME, Name: info.Name, Size: info.Size}
	if err := in.Store.PutMedia(ctx, ref); err != nil {
		return store.MediaRef{}, fmt.Errorf("record media %s: %w", info.ID, err)
	}
	return ref, nil
}

// itemRefusal puts where a refused file sits before the refusal's words; any
// other error (a failed read) stays internal.
func itemRefusal(prefix string, err error) error {
	if me, ok := errors.AsType[*protocol.Error](err); ok {
		return protocol.RefuseCause(me.Reason, err, "%s%s", prefix, me.Detail)
	}
	return err
}
