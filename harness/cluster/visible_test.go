package cluster

import (
	"strings"
	"testing"
)

func TestAgree(t *testing.T) {
	up := []*Node{{ID: 1}, {ID: 2}}
	ten := func(leader int32) map[int32]int32 {
		ps := map[int32]int32{}
		for p := range int32(10) {
			ps[p] = leader
		}
		return ps
	}
	settled := metadataView{brokers: []int32{1, 2}, topics: map[string]map[int32]int32{"transactions": ten(1), "balance": ten(2)}}
	noLeader := ten(1)
	noLeader[7] = -1
	for _, tc := range []struct {
		name    string
		views   map[int]metadataView
		leaders bool
		want    string // "" when settled
	}{
		{"settled", map[int]metadataView{1: settled, 2: settled}, true, ""},
		{"a topic one broker lacks", map[int]metadataView{1: settled, 2: {brokers: []int32{1, 2}, topics: map[string]map[int32]int32{"transactions": ten(1)}}}, true,
			"broker 2 does not list topic balance yet"},
		{"a fenced broker", map[int]metadataView{1: {brokers: []int32{1}, topics: settled.topics}, 2: settled}, true, "broker 1 does not list broker 2"},
		{"a partition without a leader", map[int]metadataView{1: settled, 2: {brokers: []int32{1, 2}, topics: map[string]map[int32]int32{"transactions": noLeader, "balance": ten(2)}}}, true,
			"partition 7 of transactions has no leader"},
		{"a leader that is down", map[int]metadataView{1: settled, 2: {brokers: []int32{1, 2}, topics: map[string]map[int32]int32{"transactions": ten(3), "balance": ten(2)}}}, true,
			"partition 0 of transactions has no leader"},
		{"no leader while brokers are down", map[int]metadataView{1: {brokers: []int32{1, 2}, topics: map[string]map[int32]int32{"transactions": noLeader}}, 2: {brokers: []int32{1, 2}, topics: map[string]map[int32]int32{"transactions": noLeader}}}, false, ""},
		{"fewer partitions on one broker", map[int]metadataView{1: settled, 2: {brokers: []int32{1, 2}, topics: map[string]map[int32]int32{"transactions": {0: 1}, "balance": ten(2)}}}, false,
			"broker 2 lists 1 partitions of transactions, another 10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := agree(tc.views, up, tc.leaders)
			if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("agree = %q, want %q", got, tc.want)
			}
		})
	}
}
