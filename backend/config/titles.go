package config

func init() { knownKeys["auto_titles"] = true }

// autoTitles is auto_titles from the file, on unless the file turns it off:
// a title costs one small request after a chat's first answer.
func (r resolver) autoTitles(file *bool) bool {
	if file != nil {
		r.src.set("auto_titles", r.fromFile())
		return *file
	}
	r.src.set("auto_titles", Source{})
	return true
}
