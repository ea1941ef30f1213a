package labout

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// OffsetRow is one row of the offsets table of kafka-consumer-groups.sh --describe.
type OffsetRow struct {
	Group     string
	Topic     string // "" when the column shows "-" (a member without partitions)
	Partition int32  // -1 when the column shows "-"

	// -1 when the column shows "-": no committed offset, or no leader to ask.
	CurrentOffset, LogEndOffset, Lag int64

	// "" when the column shows "-": the partition has no consumer.
	ConsumerID, Host, ClientID string
}

// GroupDescription is what kafka-consumer-groups.sh --describe printed about one or more groups.
type GroupDescription struct {
	Rows            []OffsetRow
	NoActiveMembers []string // groups reported with "Consumer group 'X' has no active members."
	Missing         []string // groups reported with "Error: Consumer group 'X' does not exist."
	Rebalancing     []string // groups reported with "Warning: Consumer group 'X' is rebalancing."
}

// offsetColumns are the columns that make a line the header of an offsets table.
var offsetColumns = []string{"GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG"}

// The messages the tool prints about a group instead of, or before, its table. Kafka 4.x may
// report a missing group as a GroupIdNotFoundException instead.
var (
	noActiveMembers = regexp.MustCompile(`^Consumer group '(.*)' has no active members\.`)
	missing         = regexp.MustCompile(`^Error: (?:The c|C)onsumer group '(.*)' does not exist\.|GroupIdNotFoundException: Group (\S+) not found`)
	rebalancing     = regexp.MustCompile(`^Warning: Consumer group '(.*)' is rebalancing\.`)
)

// GroupOffsets parses the output of kafka-consumer-groups.sh --describe (--group G or
// --all-groups; stdout and stderr may be joined). Each table is found by its header and each
// value is taken by its column's name, so widths, column order and extra columns such as
// LEADER-EPOCH do not matter. It is an error when there is no offsets table and no message
// about a group (the student ran --list, --members or --state, say), or when a line of a table
// does not have the header's columns.
func GroupOffsets(out string) (GroupDescription, error) {
	var d GroupDescription
	var cols map[string]int // column name -> index, from the last header seen
	for _, line := range lines(out) {
		s := strings.TrimSpace(line)
		if s == "" || IsNoise(s) {
			continue
		}
		if m := noActiveMembers.FindStringSubmatch(s); m != nil {
			d.NoActiveMembers = addNew(d.NoActiveMembers, m[1])
			continue
		}
		if m := missing.FindStringSubmatch(s); m != nil {
			d.Missing = addNew(d.Missing, m[1]+m[2])
			continue
		}
		if m := rebalancing.FindStringSubmatch(s); m != nil {
			d.Rebalancing = addNew(d.Rebalancing, m[1])
			continue
		}
		fields := strings.Fields(s)
		if h := offsetHeader(fields); h != nil {
			cols = h
			continue
		}
		if cols == nil {
			continue // not in a table yet: the error below, if no table follows
		}
		if len(fields) != len(cols) {
			return d, fmt.Errorf("expected %d columns like the header %s, found %d in line %q", len(cols), header(cols), len(fields), s)
		}
		r, err := offsetRow(cols, fields, s)
		if err != nil {
			return d, err
		}
		d.Rows = append(d.Rows, r)
	}
	if cols == nil && d.NoActiveMembers == nil && d.Missing == nil && d.Rebalancing == nil {
		return d, fmt.Errorf("expected the offsets table of --describe (header %s ...), but it was not printed: %s",
			strings.Join(offsetColumns, " "), began(out, 1))
	}
	return d, nil
}

// addNew adds group to groups unless it is there: a stack trace repeats the message of its
// exception.
func addNew(groups []string, group string) []string {
	if slices.Contains(groups, group) {
		return groups
	}
	return append(groups, group)
}

// offsetHeader returns the index of each column if fields are the header of an offsets table.
func offsetHeader(fields []string) map[string]int {
	cols := map[string]int{}
	for i, f := range fields {
		cols[f] = i
	}
	for _, c := range offsetColumns {
		if _, ok := cols[c]; !ok {
			return nil
		}
	}
	if len(cols) != len(fields) {
		return nil // a column named twice: not a header
	}
	return cols
}

// header returns the column names of cols in their order.
func header(cols map[string]int) string {
	names := make([]string, len(cols))
	for name, i := range cols {
		names[i] = name
	}
	return strings.Join(names, " ")
}

func offsetRow(cols map[string]int, fields []string, line string) (OffsetRow, error) {
	text := func(col string) string {
		if i, ok := cols[col]; ok && fields[i] != "-" {
			return fields[i]
		}
		return ""
	}
	var err error
	num := func(col string) int64 {
		v := text(col)
		if v == "" || err != nil {
			return -1
		}
		n, e := strconv.ParseInt(v, 10, 64)
		if e != nil {
			err = fmt.Errorf("expected a number or - in column %s, found %q in line %q", col, v, line)
		}
		return n
	}
	r := OffsetRow{
		Group:         text("GROUP"),
		Topic:         text("TOPIC"),
		Partition:     int32(num("PARTITION")),
		CurrentOffset: num("CURRENT-OFFSET"),
		LogEndOffset:  num("LOG-END-OFFSET"),
		Lag:           num("LAG"),
		ConsumerID:    text("CONSUMER-ID"),
		Host:          text("HOST"),
		ClientID:      text("CLIENT-ID"),
	}
	return r, err
}

// Lag returns the sum of the known lags of topic's rows, or of every row when topic is "".
// Rows whose LAG shows "-" count for nothing.
func (d GroupDescription) Lag(topic string) int64 {
	var sum int64
	for _, r := range d.Rows {
		if (topic == "" || r.Topic == topic) && r.Lag > 0 {
			sum += r.Lag
		}
	}
	return sum
}

// PartitionsByConsumer returns, for each consumer shown, the partitions it was shown with
// (of every topic), sorted. A consumer shown without partitions ("-") maps to an empty list, so that an idle
// consumer still counts. Rows without a consumer are left out.
func (d GroupDescription) PartitionsByConsumer() map[string][]int32 {
	m := map[string][]int32{}
	for _, r := range d.Rows {
		if r.ConsumerID == "" {
			continue
		}
		ps := m[r.ConsumerID]
		if ps == nil {
			ps = []int32{}
		}
		if r.Partition >= 0 {
			ps = append(ps, r.Partition)
		}
		m[r.ConsumerID] = ps
	}
	for _, ps := range m {
		slices.Sort(ps)
	}
	return m
}
