package cluster

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/IBM/sarama"
)

// What a client can change of a cluster, besides its topics, that Reset does not clear: a
// student's lab command reaches the cluster with Kafka's admin tools (any class of the image
// runs through kafka-run-class.sh), and a batch worker hands the cluster to the next student
// (Reusable). Each kind is read through the admin API and described as "what" -> value, when the
// cluster is fresh (noteFresh) and again before it is reused; anything else renews it:
//
//   - dynamic configs: of each broker, of the brokers' default (cluster-wide: the broker and
//     topic defaults of KRaft), of Kafka's own "__" topics (other topics go with Reset), and each
//     broker's log levels (DescribeConfigs);
//   - client quotas, by user, client id and ip, defaults too (DescribeClientQuotas);
//   - SCRAM credentials (DescribeUserScramCredentials);
//   - ACLs: the brokers run no authorizer (authorizer.class.name is static), so DescribeAcls
//     must answer SECURITY_DISABLED: any other answer is a cluster that is not as started;
//   - client-metrics subscriptions (KIP-714, Kafka 3.7+) and group configs (Kafka 4): sarama
//     cannot list them, so a raw ListClientMetricsResources v0, or ListConfigResources v1
//     (listConfigResources), then DescribeConfigs of each;
//   - finalized features (kafka-features.sh upgrades and downgrades them), from ApiVersions;
//   - transactional ids in any state (ListTransactions): an open transaction holds the
//     partitions' last stable offset back and is aborted later with markers, and a finished one
//     leaves the id's producer epoch; a fresh cluster lists none;
//   - consumer groups, which Reset deletes: any left is not as fresh.
//
// Producer ids are not compared: an idempotent producer's id and sequence numbers live in the
// state of the partitions it wrote, which go with their topics, and the next id the controller
// hands out is no state a client can see or depend on; the ids of transactional producers are
// the transactions' above. Delegation tokens need an authenticated listener, which the
// clusters do not have. Group configs (kafka-configs.sh --entity-type groups, KIP-848) are
// Kafka 4's (3.9's brokers answer "Unknown resource type 32"), and a group's configs outlive the
// group: ListConfigResources v1 (4.1) lists them with the client metrics; a Kafka 4 that cannot
// (4.0) is never proven fresh, so its clusters are renewed after every student.
//
// Any kind that cannot be read is an error, never an empty state: the cluster is then not
// reused (Reusable, noteFresh).

// logLevelKey is the prefix of a broker's log level in a state; its levels are compared as
// log4j inherits them (see stateChanges).
const logLevelKey = "log level of broker "

// clientMetricsType is the ConfigResourceType of client-metrics subscriptions (KIP-714), which
// sarama does not name.
const clientMetricsType sarama.ConfigResourceType = 16

// clusterState describes what of the cluster a client can change besides topics (see above).
func (k *Kafka) clusterState(ctx context.Context) (map[string]string, error) {
	admin, err := k.conn.adminClient(k.c.Topology)
	if err != nil {
		return nil, err
	}
	state := map[string]string{}
	if err := k.configState(admin, state); err != nil {
		return nil, err
	}
	// Quotas: an empty filter that is not strict matches every entity (user, client-id, ip,
	// and their defaults).
	quotas, err := admin.DescribeClientQuotas(nil, false)
	if err != nil {
		return nil, fmt.Errorf("describe client quotas: %w", err)
	}
	for _, q := range quotas {
		var entity []string
		for _, e := range q.Entity {
			name := e.Name
			if e.MatchType == sarama.QuotaMatchDefault {
				name = "<default>"
			}
			entity = append(entity, string(e.EntityType)+"="+name)
		}
		slices.Sort(entity)
		for k, v := range q.Values {
			state[fmt.Sprintf("quota %s of %s", k, strings.Join(entity, ","))] = strconv.FormatFloat(v, 'g', -1, 64)
		}
	}
	users, err := admin.DescribeUserScramCredentials(nil)
	if err != nil {
		return nil, fmt.Errorf("describe SCRAM credentials: %w", err)
	}
	for _, u := range users {
		var creds []string
		for _, ci := range u.CredentialInfos {
			creds = append(creds, fmt.Sprintf("mechanism %d, %d iterations", ci.Mechanism, ci.Iterations))
		}
		slices.Sort(creds)
		state["SCRAM credential of user "+u.User] = strings.Join(creds, "; ")
	}
	acls, err := admin.ListAcls(sarama.AclFilter{ResourceType: sarama.AclResourceAny, ResourcePatternTypeFilter: sarama.AclPatternAny,
		PermissionType: sarama.AclPermissionAny, Operation: sarama.AclOperationAny})
	switch {
	case errors.Is(err, sarama.ErrSecurityDisabled):
		state["ACLs"] = "none: no authorizer"
	case err != nil:
		return nil, fmt.Errorf("describe ACLs: %w", err)
	default:
		state["ACLs"] = fmt.Sprintf("an authorizer answers, with %d resource(s)", len(acls))
	}
	if err := k.featureAndMetricsState(ctx, admin, state); err != nil {
		return nil, err
	}
	ta, ok := admin.(sarama.TransactionClusterAdmin)
	if !ok {
		return nil, errors.New("list transactions: sarama's admin cannot")
	}
	txns, err := ta.ListTransactions(nil, nil, -1)
	if err != nil {
		return nil, fmt.Errorf("list transactions: %w", err)
	}
	for _, t := range txns {
		state["transactional id "+t.TransactionalID] = t.TransactionState
	}
	groups, err := admin.ListConsumerGroups()
	if err != nil {
		return nil, fmt.Errorf("list consumer groups: %w", err)
	}
	for g := range groups {
		state["consumer group "+g] = "listed"
	}
	return state, nil
}

// configState adds the dynamic configs of every broker, of the brokers' default and of the "__"
// topics, and each broker's log levels.
func (k *Kafka) configState(admin sarama.ClusterAdmin, state map[string]string) error {
	resources := []*sarama.ConfigResource{{Type: sarama.BrokerResource, Name: ""}}
	for _, b := range k.c.brokers {
		id := strconv.Itoa(b.ID)
		resources = append(resources, &sarama.ConfigResource{Type: sarama.BrokerResource, Name: id},
			&sarama.ConfigResource{Type: sarama.BrokerLoggerResource, Name: id})
	}
	for _, t := range slices.Sorted(maps.Keys(k.fresh.topics)) {
		resources = append(resources, &sarama.ConfigResource{Type: sarama.TopicResource, Name: t})
	}
	results, err := admin.DescribeConfigs(resources, sarama.DescribeConfigsOptions{})
	if err != nil {
		return fmt.Errorf("describe configs: %w", err)
	}
	for _, r := range results {
		var of string
		switch {
		case r.Type == sarama.BrokerResource && r.Name == "":
			of = "config of the brokers' default: "
		case r.Type == sarama.BrokerResource:
			of = "config of broker " + r.Name + ": "
		case r.Type == sarama.BrokerLoggerResource:
			of = logLevelKey + r.Name + ": "
		default:
			of = "config of topic " + r.Name + ": "
		}
		if !errors.Is(r.ErrorCode, sarama.ErrNoError) {
			return fmt.Errorf("describe configs of resource type %d %q: %w", r.Type, r.Name, r.ErrorCode)
		}
		for _, e := range r.Configs {
			// A static or default value cannot change while the broker runs: only what was
			// set since (a dynamic source) is compared. Log levels are all dynamic.
			if r.Type != sarama.BrokerLoggerResource && (e.Source == sarama.SourceStaticBroker || e.Source == sarama.SourceDefault || e.Source == sarama.SourceUnknown) {
				continue
			}
			v := e.Value
			if e.Sensitive {
				v = "(sensitive)"
			}
			if r.Type != sarama.BrokerLoggerResource {
				v += " (" + e.Source.String() + ")"
			}
			state[of+e.Name] = v
		}
	}
	return nil
}

// featureAndMetricsState adds the finalized features each broker reports, the client-metrics
// subscriptions and the group configs, where the brokers know them.
func (k *Kafka) featureAndMetricsState(ctx context.Context, admin sarama.ClusterAdmin, state map[string]string) error {
	list := int16(-1) // the highest ListConfigResources version every broker answers
	for i, b := range k.conn.client.Brokers() {
		_ = b.Open(k.conn.client.Config()) // sarama opens it if it is not yet
		rsp, err := b.ApiVersions(&sarama.ApiVersionsRequest{Version: 3, ClientSoftwareName: "kafka-lab", ClientSoftwareVersion: "1"})
		if err != nil {
			return fmt.Errorf("api versions of broker %d: %w", b.ID(), err)
		}
		for _, f := range rsp.FinalizedFeatures {
			state[fmt.Sprintf("feature %s of broker %d", f.Name, b.ID())] = fmt.Sprintf("%d-%d", f.MinVersionLevel, f.MaxVersionLevel)
		}
		v := int16(-1)
		for _, k := range rsp.ApiKeys {
			if k.ApiKey == listClientMetricsKey {
				v = k.MaxVersion
			}
		}
		if i == 0 || v < list {
			list = v
		}
	}
	if k.c.Image.AtLeast(4, 0) && list < 1 {
		return fmt.Errorf("Kafka %s has group configs, which its brokers cannot list (ListConfigResources v1, Kafka 4.1)", k.c.Image.KafkaVersion)
	}
	if list < 0 {
		return nil // before Kafka 3.7: no client metrics to subscribe
	}
	brokers := k.conn.client.Brokers()
	if len(brokers) == 0 {
		return errors.New("list client metrics: no broker")
	}
	found, err := listConfigResources(ctx, brokers[0].Addr(), min(list, 1))
	if err != nil {
		return err
	}
	var resources []*sarama.ConfigResource
	for _, r := range found {
		state[configResourceKey(r.Type, r.Name)] = map[bool]string{true: "subscribed", false: "set"}[r.Type == clientMetricsType]
		resources = append(resources, &sarama.ConfigResource{Type: r.Type, Name: r.Name})
	}
	if len(resources) == 0 {
		return nil
	}
	results, err := admin.DescribeConfigs(resources, sarama.DescribeConfigsOptions{})
	if err != nil {
		return fmt.Errorf("describe client metrics and group configs: %w", err)
	}
	for _, r := range results {
		if !errors.Is(r.ErrorCode, sarama.ErrNoError) {
			return fmt.Errorf("describe configs of resource type %d %q: %w", r.Type, r.Name, r.ErrorCode)
		}
		for _, e := range r.Configs {
			state[configResourceKey(r.Type, r.Name)+": "+e.Name] = e.Value
		}
	}
	return nil
}

// configResourceKey names a client-metrics subscription or a group's configs in a state.
func configResourceKey(t sarama.ConfigResourceType, name string) string {
	if t == clientMetricsType {
		return "client metrics " + name
	}
	return "group configs of " + name
}

// groupConfigType is the ConfigResourceType of a group's configs (Kafka 4), which sarama does
// not name.
const groupConfigType sarama.ConfigResourceType = 32

// configResource is a resource that ListConfigResources lists.
type configResource struct {
	Type sarama.ConfigResourceType
	Name string
}

// stateChanges says, in words, how now differs from fresh. A broker's log levels are compared as
// log4j inherits them: a logger made since (loggers are made as classes load), or one a
// restarted broker has not made again, has the level of its nearest ancestor, else the root's,
// unless someone set it.
func stateChanges(fresh, now map[string]string) []string {
	var changed []string
	for _, k := range slices.Sorted(maps.Keys(now)) {
		was, ok := fresh[k]
		if !ok && strings.HasPrefix(k, logLevelKey) {
			was, ok = inheritedLevel(fresh, k), true
		}
		switch {
		case !ok:
			changed = append(changed, fmt.Sprintf("%s is %s", k, now[k]))
		case was != now[k]:
			changed = append(changed, fmt.Sprintf("%s is %s, was %s", k, now[k], was))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(fresh)) {
		if _, ok := now[k]; ok {
			continue
		}
		// A broker started again has only the loggers of the classes it loaded since.
		if strings.HasPrefix(k, logLevelKey) && inheritedLevel(now, k) == fresh[k] {
			continue
		}
		changed = append(changed, fmt.Sprintf("%s is gone, was %s", k, fresh[k]))
	}
	return changed
}

// inheritedLevel is the level of the logger key ("log level of broker N: a.b.c") in state as it
// inherits it: its nearest ancestor's ("a.b", "a"), else the root logger's.
func inheritedLevel(state map[string]string, key string) string {
	broker, name, _ := strings.Cut(key, ": ")
	for {
		i := strings.LastIndexByte(name, '.')
		if i < 0 {
			break
		}
		name = name[:i]
		if v, ok := state[broker+": "+name]; ok {
			return v
		}
	}
	return state[broker+": root"]
}

// listClientMetricsKey is ListClientMetricsResources (KIP-714; ListConfigResources since 4.1,
// whose v0 is the same, and whose v1 lists other types too).
const listClientMetricsKey = 74

// listConfigResources lists, through the broker at addr, the client-metrics subscriptions
// (version 0: ListClientMetricsResources) or the client-metrics subscriptions and the groups
// with configs (version 1: ListConfigResources, types 16 and 32), with a request of its own on
// a connection of its own: sarama does not have it. Both versions are flexible (compact
// strings, tagged fields).
func listConfigResources(ctx context.Context, addr string, version int16) ([]configResource, error) {
	fail := func(err error) ([]configResource, error) {
		return nil, fmt.Errorf("list client metrics and group configs at %s: %w", addr, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fail(err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	const correlation = 1
	req := configResourcesRequest(version, correlation)
	if _, err := conn.Write(append(binary.BigEndian.AppendUint32(nil, uint32(len(req))), req...)); err != nil {
		return fail(err)
	}
	var size [4]byte
	if _, err := io.ReadFull(conn, size[:]); err != nil {
		return fail(err)
	}
	n := binary.BigEndian.Uint32(size[:])
	if n > 1<<20 {
		return fail(fmt.Errorf("a response of %d bytes", n))
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(conn, body); err != nil {
		return fail(err)
	}
	found, err := parseConfigResources(body, version, correlation)
	if err != nil {
		return fail(err)
	}
	return found, nil
}

// configResourcesRequest is the request (after its size): header v2 (key, version, correlation
// id, client id as a nullable string, not compact, no tagged fields), then the body: in
// version 1 the resource types (a compact array of int8), and no tagged fields.
func configResourcesRequest(version int16, correlation uint32) []byte {
	clientID := "kafka-lab-harness"
	req := binary.BigEndian.AppendUint16(nil, listClientMetricsKey)
	req = binary.BigEndian.AppendUint16(req, uint16(version))
	req = binary.BigEndian.AppendUint32(req, correlation)
	req = binary.BigEndian.AppendUint16(req, uint16(len(clientID)))
	req = append(req, clientID...)
	req = append(req, 0)
	if version >= 1 {
		req = append(req, 3, byte(clientMetricsType), byte(groupConfigType))
	}
	return append(req, 0)
}

// parseConfigResources reads the response (after its size): header v1 (correlation id, tagged
// fields), throttle time, error code, a compact array of resources (a compact string, in
// version 1 an int8 type, tagged fields each), tagged fields; nothing may follow.
func parseConfigResources(b []byte, version int16, correlation uint32) ([]configResource, error) {
	r := &wire{b: b}
	if got := r.uint32(); got != correlation {
		return nil, cmp.Or(r.err, fmt.Errorf("correlation id %d, want %d", got, correlation))
	}
	r.tagged()
	r.uint32() // throttle time
	code := int16(r.uint16())
	count := int(r.uvarint()) - 1
	var found []configResource
	for i := 0; i < count && r.err == nil; i++ {
		res := configResource{Type: clientMetricsType, Name: r.compactString()}
		if version >= 1 {
			if t := r.take(1); t != nil {
				res.Type = sarama.ConfigResourceType(t[0])
			}
		}
		r.tagged()
		found = append(found, res)
	}
	r.tagged()
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%d bytes past the response's end", len(r.b))
	}
	if r.err != nil {
		return nil, r.err
	}
	if code != 0 {
		return nil, sarama.KError(code)
	}
	for _, res := range found {
		if res.Type != clientMetricsType && res.Type != groupConfigType {
			return nil, fmt.Errorf("a resource of type %d, not asked for", res.Type)
		}
	}
	slices.SortFunc(found, func(a, b configResource) int {
		return cmp.Or(cmp.Compare(a.Type, b.Type), strings.Compare(a.Name, b.Name))
	})
	return found, nil
}

// wire reads Kafka's encodings; the first error sticks.
type wire struct {
	b   []byte
	err error
}

func (r *wire) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.err = io.ErrUnexpectedEOF
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *wire) uint32() uint32 {
	if b := r.take(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

func (r *wire) uint16() uint16 {
	if b := r.take(2); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

func (r *wire) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = io.ErrUnexpectedEOF
		return 0
	}
	r.b = r.b[n:]
	return v
}

// compactString is a length+1 varint and the bytes.
func (r *wire) compactString() string {
	n := int(r.uvarint()) - 1
	return string(r.take(n))
}

// tagged skips a tagged-fields section: a count, then each field's tag, size and bytes.
func (r *wire) tagged() {
	for n := r.uvarint(); n > 0 && r.err == nil; n-- {
		r.uvarint()
		r.take(int(r.uvarint()))
	}
}
