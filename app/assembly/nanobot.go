package assembly

import (
	"github.com/hearth-app/hearth/backend/nanobot"
)

// startNanobots starts a bridge for each [[agents]] table with a
// nanobot_url. Each connects in the background and keeps trying, so a
// gateway that is not up yet delays nothing.
func (b *Backend) startNanobots() error {
	for _, a := range b.cfg.Agents {
		if a.NanobotURL == "" {
			continue
		}
		br, err := nanobot.Start(nanobot.Options{
			Name: a.Name, Description: a.Description, URL: a.NanobotURL, Token: a.Token,
			Engine: b.engine, Settings: b.store, Logger: b.log.With("component", "nanobot"),
		})
		if err != nil {
			return err
		}
		b.nanobots = append(b.nanobots, br)
	}
	return nil
}

// closeNanobots disconnects the bridges (after the engine's shutdown, so
// their running turns end as Hearth's shutdown rather than a disconnect).
func (b *Backend) closeNanobots() {
	for _, br := range b.nanobots {
		br.Close()
	}
	b.nanobots = nil
}
