package app

// Version and Commit are stamped at build time with
// -ldflags "-X github.com/hearth-app/hearth/app.Version=… -X …Commit=…".
var (
	Version = "dev"
	Commit  = ""
)
