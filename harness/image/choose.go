package image

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// Host is what decides the build's path on a machine.
type Host struct {
	OS     string // runtime.GOOS
	Root   bool   // the process runs as root
	Debian bool   // the machine is Debian's or a derivative's (/etc/debian_version)
	// Missing lists the offline path's commands that are not on PATH.
	Missing []string
}

// OfflineTools are the commands the offline path runs (build.sh, dist.sh).
var OfflineTools = []string{"bash", "docker", "mmdebstrap", "mvn", "java", "python3", "pip", "sha256sum"}

// ThisHost looks at this machine.
func ThisHost() Host {
	h := Host{OS: runtime.GOOS, Root: os.Geteuid() == 0}
	if _, err := os.Stat("/etc/debian_version"); err == nil {
		h.Debian = true
	}
	for _, tool := range OfflineTools {
		if _, err := exec.LookPath(tool); err != nil {
			h.Missing = append(h.Missing, tool)
		}
	}
	return h
}

// Choose says which path Auto takes on h, and why: the offline path where it works (Linux,
// Debian, root, its tools installed: what `make setup` installs), else the Dockerfile's.
func Choose(h Host) (Path, string) {
	switch {
	case h.OS != "linux":
		return Dockerfile, fmt.Sprintf("%s, not Linux: the offline path needs Debian", h.OS)
	case !h.Debian:
		return Dockerfile, "not Debian (no /etc/debian_version): the offline path needs Debian's mmdebstrap"
	case !h.Root:
		return Dockerfile, "not root: the offline path's mmdebstrap needs root"
	case len(h.Missing) > 0:
		return Dockerfile, "missing for the offline path: " + strings.Join(h.Missing, ", ") + " (make setup installs them)"
	}
	return Offline, "Debian as root with mmdebstrap and Maven: no image registry needed"
}
