package tutor

import "github.com/kafka-lab/kafka-lab/harness/cluster"

// step is a Step with its check of a snapshot.
type step struct {
	Step
	check func(snapshot) verdict
}

// verdict is what a check makes of a snapshot.
type verdict struct {
	Status   Status
	Observed string
	Hint     string
}

func (s step) initial() Status {
	if v := s.check(snapshot{}); v.Status == Unseen {
		return Unseen
	}
	return Todo
}

// stepsOf lists topology's steps, in the lab's order.
func stepsOf(topology cluster.Topology) []step {
	return nil // TODO(lead): the sections' steps
}
