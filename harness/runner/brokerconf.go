package runner

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/kafka-lab/kafka-lab/harness/submission"
)

// What a command of start_cluster (section 7) starts, as the harness runs it.
const (
	kindZooKeeper = "zookeeper" // a ZooKeeper server, in a terminal of its own
	kindKafka     = "kafka"     // a Kafka server (broker, controller or both), in a terminal of its own
	kindOneShot   = "one-shot"  // kafka-storage.sh: runs to its end
)

// KafkaFolder is the lab's Kafka folder, where the commands run.
const KafkaFolder = "/opt/kafka"

// Kafka's defaults that the checks of a cluster's configuration rest on (KafkaConfig, 3.x and 4.x).
const (
	defaultListeners = "PLAINTEXT://:9092"
	defaultLogDir    = "/tmp/kafka-logs"
)

// Mistake is what is wrong with the student's own start of their cluster, in Kafka's words:
// a named mistake that the configuration makes certain (found before anything runs), or what
// the run showed (a server's end, too few brokers answering).
type Mistake struct {
	// Name is the mistake's short name, for reports and tests ("two brokers with one broker.id").
	Name string
	// Key is the answers.yaml key whose commands make the mistake, where a start has two
	// (section 1's start_zookeeper and start_kafka); empty for start_cluster's.
	Key                      submission.Key
	Expected, Observed, Hint string
	// Tail is the ends of the servers' output, already headed, when they ran.
	Tail string
}

func (m *Mistake) Error() string {
	msg := fmt.Sprintf("%s: expected %s, observed %s (%s)", m.Name, m.Expected, m.Observed, m.Hint)
	if m.Tail != "" {
		msg += "\n" + m.Tail
	}
	return msg
}

// ClusterFiles are the configuration files start_cluster's commands may name: the student's
// (their config/, by file name: each is the Kafka folder's config/NAME) and Kafka's own (by
// path in the Kafka folder, "config/server.properties"; a path absent here is no file of
// Kafka's).
type ClusterFiles struct {
	Student map[string][]byte
	Kafka   map[string][]byte
	// Skipped are the student's files left out, and why (submission.ConfigFiles).
	Skipped []string
	// Version is the Kafka version, for messages; ZooKeeper says whether it has ZooKeeper mode.
	Version   string
	ZooKeeper bool
}

// Planned is one command of start_cluster as the harness understands it: what it starts, the
// file it names and, for a Kafka server, the properties it will run with.
type Planned struct {
	Command submission.Command
	Kind    string
	// File is the properties file the command names, as a path in the Kafka folder ("" if none).
	File string
	// Props are the Kafka server's properties (its file, then --override), nil when unknown.
	Props map[string]string
}

// KRaft says whether a Kafka server runs in KRaft mode (process.roles set).
func (s Planned) KRaft() bool { return strings.TrimSpace(s.Props["process.roles"]) != "" }

// describe names the server's command for a student.
func (s Planned) describe() string {
	return fmt.Sprintf("`%s` (answers.yaml line %d)", s.Command.Text, s.Command.Line)
}

// kindOf says what a command of start_cluster starts.
func kindOf(cmd submission.Command) string {
	switch cmd.Tool {
	case "zookeeper-server-start":
		return kindZooKeeper
	case "kafka-server-start":
		return kindKafka
	}
	return kindOneShot
}

// fileArg is the properties file a command names, as written, or "".
func fileArg(cmd submission.Command) string {
	args := cmd.Args[1:]
	if kindOf(cmd) == kindOneShot { // kafka-storage.sh ... -c FILE | --config FILE | --config=FILE
		for i, a := range args {
			switch {
			case (a == "-c" || a == "--config") && i+1 < len(args):
				return args[i+1]
			case strings.HasPrefix(a, "--config="):
				return strings.TrimPrefix(a, "--config=")
			}
		}
		return ""
	}
	// A server script: kafka-run-class.sh's own options first (-daemon, -loggc, -name NAME),
	// then the file.
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-name":
			i++
		case a == "-daemon" || a == "-loggc" || a == "-console":
		case strings.HasPrefix(a, "-"):
			return ""
		default:
			return a
		}
	}
	return ""
}

// overrides are a Kafka server start's --override k=v arguments, in order.
func overrides(cmd submission.Command) [][2]string {
	var out [][2]string
	args := cmd.Args
	for i := 0; i < len(args); i++ {
		var kv string
		switch a := args[i]; {
		case a == "--override" && i+1 < len(args):
			i++
			kv = args[i]
		case strings.HasPrefix(a, "--override="):
			kv = strings.TrimPrefix(a, "--override=")
		default:
			continue
		}
		if k, v, ok := strings.Cut(kv, "="); ok {
			out = append(out, [2]string{strings.TrimSpace(k), strings.TrimSpace(v)})
		}
	}
	return out
}

// inKafka is a path as the Kafka folder resolves it: relative ones from the folder.
func inKafka(p string) string {
	if !path.IsAbs(p) {
		p = path.Join(KafkaFolder, p)
	}
	return path.Clean(p)
}

// configDir is the Kafka folder's config/, where the student's files go.
var configDir = KafkaFolder + "/config"

// KafkaFilesNamed are the paths (in the Kafka folder, "config/kraft/server.properties") of the
// files in Kafka's config/ that the commands name and the student did not hand in: the ones
// to read from Kafka's own, to know how the servers will run.
func KafkaFilesNamed(cmds []submission.Command, student map[string][]byte) []string {
	var out []string
	for _, cmd := range cmds {
		f := fileArg(cmd)
		if f == "" {
			continue
		}
		p := inKafka(f)
		if _, ok := student[strings.TrimPrefix(p, configDir+"/")]; ok && path.Dir(p) == configDir {
			continue
		}
		if rel, ok := strings.CutPrefix(p, KafkaFolder+"/"); ok && strings.HasPrefix(rel, "config/") && !slices.Contains(out, rel) {
			out = append(out, rel)
		}
	}
	return out
}

// PlanCluster reads start_cluster's commands with the files they name, and returns the
// servers they start, in order; or the first mistake the configuration makes certain, checked
// in the order a student meets them: a file that is not there, ZooKeeper on Kafka 4, a broker
// before ZooKeeper, then two brokers that cannot both run (one id, one port, one log folder).
// Anything not certain is left for the run to decide.
func PlanCluster(cmds []submission.Command, files ClusterFiles) ([]Planned, error) {
	var servers []Planned
	for _, cmd := range cmds {
		s := Planned{Command: cmd, Kind: kindOf(cmd)}
		if s.Kind == kindZooKeeper && !files.ZooKeeper {
			return nil, &Mistake{Name: "ZooKeeper on Kafka 4",
				Expected: "Kafka started in KRaft mode, the only mode of Kafka " + files.Version,
				Observed: "a ZooKeeper start: " + s.describe(),
				Hint:     "Kafka 4 removed ZooKeeper (KIP-833): leave the ZooKeeper start out, give each node process.roles, node.id and controller.quorum.voters, format each node's storage with kafka-storage.sh (one cluster id), then start the three servers"}
		}
		if f := fileArg(cmd); f != "" {
			s.File = inKafka(f)
			data, ok := files.read(s.File)
			if !ok {
				return nil, files.missing(s, f)
			}
			if s.Kind == kindKafka {
				s.Props = ParseProperties(string(data))
				for _, kv := range overrides(cmd) {
					s.Props[kv[0]] = kv[1]
				}
			}
		}
		servers = append(servers, s)
	}
	for _, check := range []func([]Planned) *Mistake{brokerBeforeZooKeeper, sharedID, sharedPort, sharedAdvertised, sharedLogDir} {
		if m := check(servers); m != nil {
			return servers, m
		}
	}
	return servers, nil
}

// read returns the contents of the file at p (a path in the Kafka folder's terms): the
// student's where they handed it in, else Kafka's own.
func (f ClusterFiles) read(p string) ([]byte, bool) {
	if path.Dir(p) == configDir {
		if data, ok := f.Student[path.Base(p)]; ok {
			return data, true
		}
	}
	rel, ok := strings.CutPrefix(p, KafkaFolder+"/")
	if !ok {
		return nil, false
	}
	data, ok := f.Kafka[rel]
	return data, ok
}

// missing is the mistake of a command that names a file neither the student nor Kafka has.
func (f ClusterFiles) missing(s Planned, written string) *Mistake {
	name := path.Base(s.File)
	observed := fmt.Sprintf("%s names %s, which neither your %s/ folder nor Kafka %s's config/ has: Kafka would stop with java.nio.file.NoSuchFileException: %s",
		s.describe(), written, submission.ConfigDir, f.Version, written)
	for _, sk := range f.Skipped {
		if strings.HasPrefix(sk, submission.ConfigDir+"/"+name+":") || strings.HasPrefix(sk, submission.ConfigDir+"/"+name+" ") {
			observed += fmt.Sprintf(" (your %s was left out: %s)", submission.ConfigDir+"/"+name, sk)
		}
	}
	hint := fmt.Sprintf("hand the file in as %s/%s in your submission and name it config/%s in the command: your files are placed in the Kafka folder's config/", submission.ConfigDir, name, name)
	if strings.HasPrefix(s.File, configDir+"/kraft/") && !f.ZooKeeper {
		hint = fmt.Sprintf("Kafka 4 has no config/kraft folder: copy config/server.properties as config/%s, hand it in, and name it config/%s", name, name)
	}
	return &Mistake{Name: "a file the folder lacks", Expected: "every file your start_cluster commands name, in your config/ folder or in Kafka's config/",
		Observed: observed, Hint: hint}
}

// brokerBeforeZooKeeper: a broker of ZooKeeper mode (3.x) needs ZooKeeper up when it starts;
// it waits zookeeper.connection.timeout.ms (18 s in the lab's file) and gives up.
func brokerBeforeZooKeeper(servers []Planned) *Mistake {
	for _, s := range servers {
		switch {
		case s.Kind == kindZooKeeper:
			return nil
		case s.Kind == kindKafka && s.Props != nil && !s.KRaft():
			return &Mistake{Name: "a broker before ZooKeeper",
				Expected: "ZooKeeper started before the brokers of ZooKeeper mode",
				Observed: s.describe() + " starts a broker in ZooKeeper mode (its file has no process.roles) before any ZooKeeper start: it cannot reach ZooKeeper, and gives up with \"Timed out waiting for connection while in state: CONNECTING\"",
				Hint:     "put `./bin/zookeeper-server-start.sh config/zookeeper.properties` first in start_cluster, as the lab starts ZooKeeper in a terminal of its own before the brokers"}
		}
	}
	return nil
}

// kafkaServers are the Kafka servers whose properties are known.
func kafkaServers(servers []Planned) []Planned {
	return slices.DeleteFunc(slices.Clone(servers), func(s Planned) bool { return s.Kind != kindKafka || s.Props == nil })
}

// idKey is the property that names a server: node.id in KRaft mode, broker.id in ZooKeeper
// mode. A ZooKeeper-mode broker without one gets one of its own from ZooKeeper.
func idKey(s Planned) string {
	if s.KRaft() {
		return "node.id"
	}
	return "broker.id"
}

func sharedID(servers []Planned) *Mistake {
	ks := kafkaServers(servers)
	for i, a := range ks {
		for _, b := range ks[:i] {
			ka, kb := idKey(a), idKey(b)
			va, ea := strconv.Atoi(strings.TrimSpace(a.Props[ka]))
			vb, eb := strconv.Atoi(strings.TrimSpace(b.Props[kb]))
			if ka != kb || ea != nil || eb != nil || va < 0 || va != vb {
				continue
			}
			err := "Error while creating ephemeral at /brokers/ids/" + strconv.Itoa(va) + ", node already exists"
			if ka == "node.id" {
				err = "Another broker is registered with that broker id."
			}
			return &Mistake{Name: "two brokers with one " + ka,
				Expected: "each broker its own " + ka + " (1, 2 and 3, say)",
				Observed: fmt.Sprintf("%s and %s both have %s=%d: Kafka refuses the second (%s)", b.describe(), a.describe(), ka, va, err),
				Hint:     fmt.Sprintf("give each copy of the server's file its own %s: a broker is known in the cluster by its id", ka)}
		}
	}
	return nil
}

// listener is one entry of listeners or advertised.listeners: NAME://host:port.
type listener struct {
	name, host string
	port       int
}

// parseListeners reads a listeners value; entries it cannot read are left out.
func parseListeners(v string) []listener {
	var out []listener
	for _, e := range strings.Split(v, ",") {
		name, addr, ok := strings.Cut(strings.TrimSpace(e), "://")
		if !ok {
			continue
		}
		i := strings.LastIndex(addr, ":")
		if i < 0 {
			continue
		}
		port, err := strconv.Atoi(addr[i+1:])
		if err != nil {
			continue
		}
		out = append(out, listener{name: strings.ToUpper(name), host: strings.Trim(addr[:i], "[]"), port: port})
	}
	return out
}

// listeners is the server's listeners, with Kafka's default when unset.
func listeners(s Planned) []listener {
	v, ok := s.Props["listeners"]
	if !ok || strings.TrimSpace(v) == "" {
		v = defaultListeners
	}
	return parseListeners(v)
}

// wildcard says whether a listener's host binds every address.
func wildcard(host string) bool { return host == "" || host == "0.0.0.0" || host == "::" }

// bindHost is a listener's host as Kafka names it when it binds: an empty one is every address.
func bindHost(host string) string {
	if host == "" {
		return "0.0.0.0"
	}
	return host
}

// loopback names the loopback one way.
func loopback(host string) string {
	if host == "localhost" || host == "127.0.0.1" || host == "::1" {
		return "localhost"
	}
	return host
}

// sameBind says whether two listeners cannot both bind on one machine.
func sameBind(a, b listener) bool {
	return a.port == b.port && a.port != 0 && (wildcard(a.host) || wildcard(b.host) || loopback(a.host) == loopback(b.host))
}

func sharedPort(servers []Planned) *Mistake {
	ks := kafkaServers(servers)
	for i, a := range ks {
		for _, b := range ks[:i] {
			for _, la := range listeners(a) {
				for _, lb := range listeners(b) {
					if !sameBind(la, lb) {
						continue
					}
					return &Mistake{Name: "one port for two brokers",
						Expected: "each broker listening on a port of its own (9092, 9093 and 9094, say)",
						Observed: fmt.Sprintf("%s and %s both listen on port %d (%s and %s): the second stops with \"Socket server failed to bind to %s:%d: Address already in use\"",
							b.describe(), a.describe(), la.port, listenersText(b), listenersText(a), bindHost(la.host), la.port),
						Hint: "give each copy of the server's file its own port in listeners (and in advertised.listeners; in KRaft mode each node's CONTROLLER listener too): on one machine a port takes one server"}
				}
			}
		}
	}
	return nil
}

// listenersText is a server's listeners as set, or Kafka's default.
func listenersText(s Planned) string {
	if v := strings.TrimSpace(s.Props["listeners"]); v != "" {
		return "listeners=" + v
	}
	return "listeners unset: " + defaultListeners
}

// sharedAdvertised: two brokers that advertise one address send every client to one of them.
// Only where both set advertised.listeners: unset, each advertises its own listeners.
func sharedAdvertised(servers []Planned) *Mistake {
	ks := kafkaServers(servers)
	controllers := func(s Planned) []string {
		return strings.Split(strings.ToUpper(strings.ReplaceAll(s.Props["controller.listener.names"], " ", "")), ",")
	}
	for i, a := range ks {
		for _, b := range ks[:i] {
			for _, la := range parseListeners(a.Props["advertised.listeners"]) {
				for _, lb := range parseListeners(b.Props["advertised.listeners"]) {
					if la.port != lb.port || la.port == 0 || loopback(la.host) != loopback(lb.host) || slices.Contains(controllers(a), la.name) || slices.Contains(controllers(b), lb.name) {
						continue
					}
					return &Mistake{Name: "one port for two brokers",
						Expected: "each broker advertising an address of its own (localhost:9092, localhost:9093 and localhost:9094, say)",
						Observed: fmt.Sprintf("%s and %s both advertise %s:%d (advertised.listeners): clients sent to one broker reach the other (in ZooKeeper mode Kafka refuses the second: \"Configured end points %s:%d in advertised listeners are already registered by broker\")",
							b.describe(), a.describe(), la.host, la.port, la.host, la.port),
						Hint: "change the port in advertised.listeners too, as in listeners: clients reach a broker at the address it advertises"}
				}
			}
		}
	}
	return nil
}

// logDirs are the server's log folders, with Kafka's default.
func logDirs(s Planned) []string {
	v := strings.TrimSpace(s.Props["log.dirs"])
	if v == "" {
		v = strings.TrimSpace(s.Props["log.dir"])
	}
	if v == "" {
		v = defaultLogDir
	}
	var out []string
	for _, d := range strings.Split(v, ",") {
		if d = strings.TrimSpace(d); d != "" {
			out = append(out, inKafka(d))
		}
	}
	return out
}

func sharedLogDir(servers []Planned) *Mistake {
	ks := kafkaServers(servers)
	for i, a := range ks {
		for _, b := range ks[:i] {
			for _, da := range logDirs(a) {
				if !slices.Contains(logDirs(b), da) {
					continue
				}
				return &Mistake{Name: "a shared log.dirs",
					Expected: "each broker its own log.dirs folder (/tmp/kafka-logs-1, -2 and -3, say)",
					Observed: fmt.Sprintf("%s and %s both keep their logs in %s: the second stops with \"Failed to acquire lock on file .lock in %s. A Kafka instance in another process or thread is using this directory.\"",
						b.describe(), a.describe(), da, da),
					Hint: "give each copy of the server's file its own log.dirs: a broker locks its log folder, and its data is its own"}
			}
		}
	}
	return nil
}

// ParseProperties reads a Java properties file as Kafka does (java.util.Properties): lines
// of key=value, key:value or key value; # and ! comments; a backslash at a line's end goes on
// with the next line. Later keys win.
func ParseProperties(text string) map[string]string {
	props := map[string]string{}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		l := strings.TrimLeft(lines[i], " \t\f")
		if l == "" || l[0] == '#' || l[0] == '!' {
			continue
		}
		for strings.HasSuffix(l, `\`) && !strings.HasSuffix(l, `\\`) && i+1 < len(lines) {
			i++
			l = l[:len(l)-1] + strings.TrimLeft(lines[i], " \t\f")
		}
		end := strings.IndexAny(l, "=: \t\f")
		if end < 0 {
			props[unescape(l)] = ""
			continue
		}
		key, rest := l[:end], strings.TrimLeft(l[end:], " \t\f")
		if rest != "" && (rest[0] == '=' || rest[0] == ':') {
			rest = strings.TrimLeft(rest[1:], " \t\f")
		}
		props[unescape(key)] = unescape(strings.TrimRight(rest, " \t\f"))
	}
	return props
}

// unescape undoes a properties file's backslash escapes, the common ones.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	r := strings.NewReplacer(`\\`, `\`, `\=`, `=`, `\:`, `:`, `\ `, ` `, `\#`, `#`, `\!`, `!`, `\t`, "\t", `\n`, "\n")
	return r.Replace(s)
}

// ClientAddresses are the addresses to ask for the cluster's brokers: localhost:9092 first,
// then each Kafka server's listeners on this machine's loopback that are no controller's.
func ClientAddresses(servers []Planned) []string {
	out := []string{LabAddress}
	for _, s := range kafkaServers(servers) {
		controllers := strings.Split(strings.ToUpper(strings.ReplaceAll(s.Props["controller.listener.names"], " ", "")), ",")
		for _, l := range listeners(s) {
			if slices.Contains(controllers, l.name) || l.port == 0 {
				continue
			}
			host := l.host
			switch {
			case wildcard(host):
				host = "localhost"
			case loopback(host) != "localhost":
				continue // another machine's, or another address of this one: only the lab's machine is asked
			}
			if addr := fmt.Sprintf("%s:%d", host, l.port); !slices.Contains(out, addr) {
				out = append(out, addr)
			}
		}
	}
	return out
}
