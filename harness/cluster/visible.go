package cluster

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/fault"
	"github.com/kafka-lab/kafka-lab/harness/wait"
)

// VisibleTimeout bounds AwaitVisible: the brokers' metadata follows the controller within
// milliseconds on a quiet machine (MetadataLag bounds it for a student's change).
const VisibleTimeout = 30 * time.Second

// AwaitVisible waits until what the scenario set up is visible as a student's client will see
// it, before any student code runs (StartClient of an untrusted spec): every live broker, asked
// on its own address (a client may ask any), answers with every live broker in its list
// (registered and unfenced: a fenced broker is left out of metadata answers) and with every
// topic that any of them lists, each partition with a leader among those brokers (a partition
// of a topic created a moment ago has none for a few milliseconds). A client acts on its first
// answers: a consumer assigns itself the partitions it lists, a producer picks leaders, and a
// client that saw nothing asks again only when its metadata is 5 minutes old. Groups need no
// wait here: Reset deletes every group (a delete answers once the group is gone, and a group
// that still has a member renews the cluster), and a group the scenario's own clients join is
// the scenario's.
//
// With brokers down (lab section 7's experiment) a partition may rightly have no leader: only
// the brokers' lists and the topics are compared then. An Own cluster has no Kafka of the
// harness's to ask.
func (k *Kafka) AwaitVisible(ctx context.Context) error {
	if k.conn.client == nil || k.c.Topology == Own {
		return nil
	}
	var up []*Node
	for _, b := range k.c.brokers {
		if !b.down {
			up = append(up, b)
		}
	}
	leadersWanted := len(up) == len(k.c.brokers)
	err := wait.Until(ctx, "the topics and brokers to be the same in every broker's metadata", VisibleTimeout, 10*time.Millisecond,
		func(context.Context) (bool, string, error) {
			views := map[int]metadataView{}
			for _, b := range up {
				v, err := k.conn.viewOf(b)
				if err != nil {
					return false, fmt.Sprintf("broker %d: %v", b.ID, err), nil
				}
				views[b.ID] = v
			}
			if why := agree(views, up, leadersWanted); why != "" {
				return false, why, nil
			}
			return true, "", nil
		})
	if err != nil {
		return fault.Harness("see the scenario's topics on every broker before the student's code runs", err)
	}
	return nil
}

// metadataView is what one broker's metadata answer says: the brokers it lists, and each
// topic's partitions with their leaders (-1: none).
type metadataView struct {
	brokers []int32
	topics  map[string]map[int32]int32
}

// viewOf asks broker b for its metadata.
func (n *conns) viewOf(b *Node) (metadataView, error) {
	n.meta.mu.Lock()
	defer n.meta.mu.Unlock()
	resp, err := n.metadataOf(b.hostAddr(), nil)
	if err != nil {
		return metadataView{}, err
	}
	v := metadataView{topics: map[string]map[int32]int32{}}
	for _, br := range resp.Brokers {
		v.brokers = append(v.brokers, br.ID())
	}
	slices.Sort(v.brokers)
	for _, t := range resp.Topics {
		if strings.HasPrefix(t.Name, "__") {
			continue
		}
		ps := map[int32]int32{}
		for _, p := range t.Partitions {
			ps[p.ID] = p.Leader
		}
		v.topics[t.Name] = ps
	}
	return v, nil
}

// agree says what keeps the views from being the same settled picture ("" when none does):
// a live broker missing from a list, a topic one broker lists and another does not, a
// partition count that differs, or (leaders) a partition without a live leader.
func agree(views map[int]metadataView, up []*Node, leaders bool) string {
	var live []int32
	for _, b := range up {
		live = append(live, int32(b.ID))
	}
	slices.Sort(live)
	all := map[string]int{}
	for _, v := range views {
		for name, ps := range v.topics {
			all[name] = max(all[name], len(ps))
		}
	}
	for _, b := range up {
		v := views[b.ID]
		for _, id := range live {
			if !slices.Contains(v.brokers, id) {
				return fmt.Sprintf("broker %d does not list broker %d yet (lists %v)", b.ID, id, v.brokers)
			}
		}
		for _, name := range slices.Sorted(maps.Keys(all)) {
			ps, ok := v.topics[name]
			switch {
			case !ok:
				return fmt.Sprintf("broker %d does not list topic %s yet", b.ID, name)
			case len(ps) != all[name]:
				return fmt.Sprintf("broker %d lists %d partitions of %s, another %d", b.ID, len(ps), name, all[name])
			}
			if !leaders {
				continue
			}
			for p := range int32(len(ps)) {
				if l, ok := ps[p]; !ok || !slices.Contains(live, l) {
					return fmt.Sprintf("broker %d: partition %d of %s has no leader yet", b.ID, p, name)
				}
			}
		}
	}
	return ""
}
