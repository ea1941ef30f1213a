package cluster

import (
	"context"
	"reflect"
	"testing"

	"github.com/IBM/sarama"
)

// A broker with one group of each protocol, as Kafka 4.x lists them: Groups describes the
// classic one with DescribeGroups and the consumer-protocol one (KIP-848) with
// ConsumerGroupDescribe, whose members DescribeGroups would not show.
func TestGroupsOfBothProtocols(t *testing.T) {
	b := sarama.NewMockBroker(t, 1)
	defer b.Close()
	b.SetHandlerByMap(map[string]sarama.MockResponse{
		"ApiVersionsRequest": sarama.NewMockApiVersionsResponse(t).SetApiKeys([]sarama.ApiVersionsResponseKey{
			{ApiKey: 3, MinVersion: 0, MaxVersion: 12}, // Metadata
			{ApiKey: 10, MinVersion: 0, MaxVersion: 4}, // FindCoordinator
			{ApiKey: 15, MinVersion: 0, MaxVersion: 5}, // DescribeGroups
			{ApiKey: 16, MinVersion: 0, MaxVersion: 5}, // ListGroups
			{ApiKey: 18, MinVersion: 0, MaxVersion: 3}, // ApiVersions
			{ApiKey: 69, MinVersion: 0, MaxVersion: 1}, // ConsumerGroupDescribe
		}),
		"MetadataRequest": sarama.NewMockMetadataResponse(t).SetBroker(b.Addr(), b.BrokerID()).SetController(b.BrokerID()),
		"FindCoordinatorRequest": sarama.NewMockFindCoordinatorResponse(t).
			SetCoordinator(sarama.CoordinatorGroup, "my_group", b).
			SetCoordinator(sarama.CoordinatorGroup, "classic_group", b),
		"ListGroupsRequest": sarama.NewMockWrapper(&sarama.ListGroupsResponse{Version: 5,
			Groups: map[string]string{"my_group": "consumer", "classic_group": "consumer", "share_group": "share"},
			GroupsData: map[string]sarama.GroupData{
				"my_group":      {GroupState: "Stable", GroupType: "consumer"},
				"classic_group": {GroupState: "Stable", GroupType: "classic"},
				"share_group":   {GroupState: "Stable", GroupType: "share"},
			}}),
		"DescribeGroupsRequest": sarama.NewMockDescribeGroupsResponse(t).AddGroupDescription("classic_group", &sarama.GroupDescription{
			GroupId: "classic_group", State: "Stable", ProtocolType: "consumer", Protocol: "range",
			Members: map[string]*sarama.GroupMemberDescription{"console-consumer-1": {MemberId: "console-consumer-1", ClientId: "console-consumer", ClientHost: "/127.0.0.1"}},
		}),
		"ConsumerGroupDescribeRequest": sarama.NewMockConsumerGroupDescribeResponse(t).AddGroupDescription("my_group", sarama.ConsumerGroupDescription{
			GroupState: "Stable", GroupEpoch: 3, AssignmentEpoch: 3, AssignorName: "uniform",
			Members: []sarama.ConsumerGroupMemberDescription{
				{MemberID: "m-2", ClientID: "console-consumer", ClientHost: "/127.0.0.1", MemberEpoch: 3,
					Assignment: sarama.ConsumerGroupAssignment{TopicPartitions: []sarama.ConsumerGroupTopicPartitions{{TopicName: "my_first_topic", Partitions: []int32{9, 5, 7, 6, 8}}}}},
				{MemberID: "m-1", ClientID: "console-consumer", ClientHost: "/127.0.0.1", MemberEpoch: 3,
					Assignment: sarama.ConsumerGroupAssignment{TopicPartitions: []sarama.ConsumerGroupTopicPartitions{{TopicName: "my_first_topic", Partitions: []int32{0, 1, 2, 3, 4}}}}},
			},
		}),
	})
	client, err := sarama.NewClient([]string{b.Addr()}, saramaConfig())
	if err != nil {
		t.Fatal(err)
	}
	c := newCluster(Single, Image{}, nil, Options{})
	c.kafka.conn.client = client
	defer c.kafka.conn.close()

	groups, err := c.Kafka().Groups(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []Group{
		{Name: "classic_group", Protocol: ClassicProtocol, State: "Stable", Members: []Member{
			{Group: "classic_group", ID: "console-consumer-1", ClientID: "console-consumer", Host: "/127.0.0.1", Assigned: map[string][]int32{}}}},
		{Name: "my_group", Protocol: ConsumerProtocol, State: "Stable", Members: []Member{
			{Group: "my_group", ID: "m-1", ClientID: "console-consumer", Host: "/127.0.0.1", Assigned: map[string][]int32{"my_first_topic": {0, 1, 2, 3, 4}}},
			{Group: "my_group", ID: "m-2", ClientID: "console-consumer", Host: "/127.0.0.1", Assigned: map[string][]int32{"my_first_topic": {5, 6, 7, 8, 9}}}}},
	}
	if !reflect.DeepEqual(groups, want) {
		t.Errorf("Groups =\n%+v\nwant\n%+v", groups, want)
	}
}

func TestGroupRebalancing(t *testing.T) {
	for state, want := range map[string]bool{"Stable": false, "Empty": false, "PreparingRebalance": true, "CompletingRebalance": true, "Assigning": true, "Reconciling": true} {
		if got := (Group{State: state}).Rebalancing(); got != want {
			t.Errorf("a group %s: Rebalancing = %v, want %v", state, got, want)
		}
	}
}
