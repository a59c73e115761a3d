package mcp

import (
	"reflect"
	"sort"
)

// Plan is what Apply does to go from the running servers to the
// configured ones.
type Plan struct {
	// Start are new servers; Stop are servers no longer configured;
	// Restart are servers whose definition changed. Each is in name order.
	Start, Stop, Restart []string
}

// Diff compares the running definitions with the configured ones. A server
// whose definition is the same is in no list: it keeps running untouched
// (its session, its tools and its restart count). Pure.
func Diff(running map[string]Server, configured []Server) Plan {
	var p Plan
	want := make(map[string]bool, len(configured))
	for _, s := range configured {
		want[s.Name] = true
		old, ok := running[s.Name]
		switch {
		case !ok:
			p.Start = append(p.Start, s.Name)
		case !sameServer(old, s):
			p.Restart = append(p.Restart, s.Name)
		}
	}
	for name := range running {
		if !want[name] {
			p.Stop = append(p.Stop, name)
		}
	}
	sort.Strings(p.Start)
	sort.Strings(p.Stop)
	sort.Strings(p.Restart)
	return p
}

// sameServer treats an absent and an empty list or map alike: a user who
// adds "env": {} has changed nothing worth a restart.
func sameServer(a, b Server) bool {
	norm := func(s Server) Server {
		if len(s.Args) == 0 {
			s.Args = nil
		}
		if len(s.Env) == 0 {
			s.Env = nil
		}
		if len(s.Headers) == 0 {
			s.Headers = nil
		}
		if len(s.AutoApprove) == 0 {
			s.AutoApprove = nil
		}
		return s
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

// Apply makes the configured servers the running ones: new servers start,
// removed ones stop, changed ones restart, and the others keep running as
// they are. It returns once the stopped servers have ended (a stdio server
// gets its grace period), so a changed server never runs twice at once.
func (m *Manager) Apply(servers []Server) Plan {
	m.applyMu.Lock()
	defer m.applyMu.Unlock()
	m.mu.Lock()
	if m.ctx.Err() != nil {
		m.mu.Unlock()
		return Plan{}
	}
	current := make(map[string]Server, len(m.servers))
	for name, r := range m.servers {
		current[name] = r.srv
	}
	plan := Diff(current, servers)
	byName := make(map[string]Server, len(servers))
	for _, s := range servers {
		byName[s.Name] = s
	}
	var stopping []*running
	for _, name := range append(append([]string(nil), plan.Stop...), plan.Restart...) {
		r := m.servers[name]
		r.stop()
		stopping = append(stopping, r)
		delete(m.servers, name)
	}
	m.mu.Unlock()
	for _, r := range stopping {
		<-r.done
	}
	m.mu.Lock()
	// Close may have come in between: nothing starts after it.
	if m.ctx.Err() == nil {
		for _, name := range append(append([]string(nil), plan.Start...), plan.Restart...) {
			m.launch(byName[name])
		}
	}
	m.mu.Unlock()
	if len(plan.Start)+len(plan.Stop)+len(plan.Restart) > 0 && m.opts.OnChange != nil {
		m.opts.OnChange()
	}
	return plan
}
