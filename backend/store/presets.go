package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hearth-app/hearth/backend/protocol"
)

// Preset is a named system prompt, model and parameters, chosen for a new
// chat or applied to one.
type Preset struct {
	Name, System, Model  string
	Params               protocol.Params
	CreatedAt, UpdatedAt time.Time
}

const presetCols = `name, system, model, params, created_at, updated_at`

func scanPreset(sc scanner) (Preset, error) {
	var p Preset
	var params string
	var created, updated int64
	if err := sc.Scan(&p.Name, &p.System, &p.Model, &params, &created, &updated); err != nil {
		return Preset{}, err
	}
	if err := json.Unmarshal([]byte(params), &p.Params); err != nil {
		return Preset{}, fmt.Errorf("preset %q: decode params: %w", p.Name, err)
	}
	p.CreatedAt, p.UpdatedAt = fromMS(created), fromMS(updated)
	return p, nil
}

// ListPresets returns every preset by name, case-insensitively (a person
// reads the list as a menu, where "alpha" belongs beside "Alpha").
func (s *Store) ListPresets(ctx context.Context) ([]Preset, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+presetCols+` FROM presets ORDER BY name COLLATE NOCASE, name`)
	if err != nil {
		return nil, fmt.Errorf("list presets: %w", err)
	}
	defer rows.Close()
	var out []Preset
	for rows.Next() {
		p, err := scanPreset(rows)
		if err != nil {
			return nil, fmt.Errorf("list presets: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list presets: %w", err)
	}
	return out, nil
}

// GetPreset returns the named preset or ErrNotFound.
func (s *Store) GetPreset(ctx context.Context, name string) (Preset, error) {
	p, err := scanPreset(s.r.QueryRowContext(ctx, `SELECT `+presetCols+` FROM presets WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return Preset{}, fmt.Errorf("preset %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return Preset{}, fmt.Errorf("get preset %q: %w", name, err)
	}
	return p, nil
}

// SavePreset creates the preset or replaces the one with its name; a
// replaced preset keeps its created_at.
func (s *Store) SavePreset(ctx context.Context, p Preset) (Preset, error) {
	if p.Name == "" || len(p.Name) > protocol.MaxPresetNameBytes {
		return Preset{}, fmt.Errorf("save preset: %w: name %q", ErrInvalid, p.Name)
	}
	params, err := json.Marshal(p.Params)
	if err != nil {
		return Preset{}, fmt.Errorf("save preset %q: encode params: %w", p.Name, err)
	}
	var out Preset
	err = s.write(ctx, func(tx *sql.Tx) error {
		now := s.nowMS()
		var err error
		out, err = scanPreset(tx.QueryRowContext(ctx, `INSERT INTO presets (`+presetCols+`)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET system = excluded.system, model = excluded.model,
				params = excluded.params, updated_at = excluded.updated_at
			RETURNING `+presetCols,
			p.Name, p.System, p.Model, string(params), now, now))
		return err
	})
	if err != nil {
		return Preset{}, fmt.Errorf("save preset %q: %w", p.Name, err)
	}
	return out, nil
}

// DeletePreset removes the named preset, or returns ErrNotFound. Chats that
// were given it keep their settings: applying a preset copies it.
func (s *Store) DeletePreset(ctx context.Context, name string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM presets WHERE name = ?`, name)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("preset %q: %w", name, ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete preset: %w", err)
	}
	return nil
}
