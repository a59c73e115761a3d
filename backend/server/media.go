package server

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/hearth-app/hearth/backend/media"
	"github.com/hearth-app/hearth/backend/store"
)

// handleUpload stores one upload: a raw body, or the "file" part of a multipart
// form. The type is sniffed from the bytes; the client's label is ignored.
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	if s.opts.Files == nil {
		httpError(w, http.StatusNotFound, "media_disabled", "media uploads are not enabled")
		return
	}
	lim := s.opts.Limits
	r.Body = http.MaxBytesReader(w, r.Body, max(lim.MaxImageBytes, lim.MaxVideoBytes)+1<<20)
	body, name := io.Reader(r.Body), r.URL.Query().Get("name")
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		mr, err := r.MultipartReader()
		if err != nil {
			httpError(w, http.StatusBadRequest, "bad_multipart", "could not read the multipart form: "+err.Error())
			return
		}
		for {
			p, err := mr.NextPart()
			var mbe *http.MaxBytesError
			switch {
			case errors.As(err, &mbe):
				// Parts before "file" count against the cap too.
				httpError(w, http.StatusRequestEntityTooLarge, "too_large",
					fmt.Sprintf("upload is larger than the limit (%d bytes with the form around it)", mbe.Limit))
				return
			case errors.Is(err, io.EOF):
				httpError(w, http.StatusBadRequest, "missing_file", "the form has no part named \"file\"")
				return
			case err != nil:
				httpError(w, http.StatusBadRequest, "bad_multipart", "could not read the multipart form: "+err.Error())
				return
			}
			if p.FormName() == "file" {
				body, name = p, p.FileName()
				break
			}
		}
	}
	info, err := s.opts.Files.Put(r.Context(), body, name, lim)
	if err != nil {
		var me *media.Error
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &me):
			httpError(w, me.HTTPStatus, me.Reason, me.Message)
		case errors.As(err, &mbe):
			httpError(w, http.StatusRequestEntityTooLarge, "too_large", "upload is larger than the limit")
		default:
			s.log.Error("upload failed", "err", err)
			httpError(w, http.StatusInternalServerError, "internal", "could not store the upload")
		}
		return
	}
	ref := store.MediaRef{ID: info.ID, MIME: info.MIME, Name: info.Name, Size: info.Size}
	if err := s.opts.Store.PutMedia(r.Context(), ref); err != nil {
		s.log.Error("record upload failed", "err", err)
		httpError(w, http.StatusInternalServerError, "internal", "could not record the upload")
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": info.ID, "mime": info.MIME, "size": info.Size, "name": info.Name, "url": s.MediaURL(info.ID)})
}

// MediaURL is a signed URL for an attachment, loadable by an <img> or <video> tag
// without the token. It stays valid for mediaURLLife.
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
		httpError(w, http.StatusNotFound, "not_found", "no such media")
		return
	}
	s.opts.Files.Serve(w, r, id, ref.MIME)
}
