package server

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/hearth-app/hearth/backend/media"
	"github.com/hearth-app/hearth/backend/protocol"
	"github.com/hearth-app/hearth/backend/store"
)

// handleUpload stores one upload: a raw body, or the "file" part of a multipart
// form. The type is sniffed from the bytes; the client's label is ignored.
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	if s.opts.Files == nil {
		s.httpRefusal(w, protocol.Refuse(protocol.ReasonMediaDisabled, "media uploads are not enabled"))
		return
	}
	lim := s.limits()
	r.Body = http.MaxBytesReader(w, r.Body, lim.MaxUploadBytes()+1<<20)
	body, name, err := uploadPart(r)
	if err == nil {
		var ref store.MediaRef
		ref, err = s.opts.Ingest.Upload(r.Context(), body, name)
		if err == nil {
			writeJSON(w, http.StatusCreated, map[string]any{"id": ref.ID, "mime": ref.MIME, "size": ref.Size, "name": ref.Name, "url": s.MediaURL(ref.ID)})
			return
		}
	}
	if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
		// Parts before "file" count against the cap too.
		err = protocol.RefuseCause(protocol.ReasonTooLarge, err, "upload is larger than the limit (%d bytes with the form around it)", mbe.Limit)
	}
	s.httpRefusal(w, err)
}

// uploadPart finds the file of an upload: the body itself, or the multipart
// form's part named "file".
func uploadPart(r *http.Request) (io.Reader, string, error) {
	name := r.URL.Query().Get("name")
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		return r.Body, name, nil
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", protocol.RefuseCause(protocol.ReasonBadMultipart, err, "could not read the multipart form: %v", err)
	}
	for {
		p, err := mr.NextPart()
		switch {
		case errors.As(err, new(*http.MaxBytesError)):
			return nil, "", err
		case errors.Is(err, io.EOF):
			return nil, "", protocol.Refuse(protocol.ReasonMissingFile, "the form has no part named \"file\"")
		case err != nil:
			return nil, "", protocol.RefuseCause(protocol.ReasonBadMultipart, err, "could not read the multipart form: %v", err)
		}
		if p.FormName() == "file" {
			return p, p.FileName(), nil
		}
	}
}

// MediaURL is a signed URL for an attachment, loadable by an <img> or <video> tag
// without the token. It stays valid for mediaURLLife. Every URL handed out
// (upload replies, messages, replays, exports) is made here.
func (s *Server) MediaURL(id string) string {
	return media.SignURL(s.opts.MediaSecret, id, time.Now().Add(mediaURLLife))
}

const mediaURLLife = 30 * 24 * time.Hour

func (s *Server) signedMediaOK(r *http.Request) bool {
	q := r.URL.Query()
	if q.Get("sig") == "" || len(s.opts.MediaSecret) == 0 {
		return false
	}
	// This runs before the mux has matched the route, so the id comes from the
	// path itself.
	id := strings.TrimPrefix(r.URL.Path, "/media/")
	return media.VerifyURL(s.opts.MediaSecret, id, q.Get("exp"), q.Get("sig"), time.Now())
}

func (s *Server) handleMedia(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	ref, err := s.opts.Store.GetMedia(r.Context(), id)
	if err != nil || s.opts.Files == nil {
		s.httpRefusal(w, protocol.Refuse(protocol.ReasonNotFound, "no such media"))
		return
	}
	if kind, _ := media.KindOf(ref.MIME); kind == media.KindDocument {
		// A document opens as a download under its own name: the browser
		// would show a PDF in a viewer the sandbox policy blocks, and a
		// text file's name is the part a person recognises.
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": ref.Name}))
	}
	s.opts.Files.Serve(w, r, id, ref.MIME)
}

// limits are what uploads and messages are held to; none without media.
func (s *Server) limits() media.Limits {
	if s.opts.Ingest == nil || s.opts.Files == nil {
		return media.Limits{}
	}
	return s.opts.Ingest.Limits
}
