package submission

import (
	"slices"
	"strings"
	"testing"
)

// TestCommandsAsTyped parses the spellings a student may type for one command in the
// lab's Kafka folder: each runs the same tool with the same arguments in /opt/kafka.
func TestCommandsAsTyped(t *testing.T) {
	const lab = "/home/ana/kafka_lab/kafka_2.13-3.1.0"
	for _, tc := range []struct {
		key  Key
		text string
		want []string
	}{
		// The lab's own, and the Kafka folder's absolute path for the tool and its file.
		{StartKafka, "./bin/kafka-server-start.sh config/server.properties",
			[]string{"bin/kafka-server-start.sh", "config/server.properties"}},
		{StartKafka, lab + "/bin/kafka-server-start.sh " + lab + "/config/server.properties",
			[]string{"bin/kafka-server-start.sh", "config/server.properties"}},
		{StartKafka, "~/kafka_lab/kafka_2.13-3.1.0/bin/kafka-server-start.sh ~/kafka_lab/kafka_2.13-3.1.0/config/server.properties",
			[]string{"bin/kafka-server-start.sh", "config/server.properties"}},
		{StartKafka, "$HOME/kafka_lab/kafka_2.13-3.1.0/bin/kafka-server-start.sh ${HOME}/kafka_lab/kafka_2.13-3.1.0/config/server.properties",
			[]string{"bin/kafka-server-start.sh", "config/server.properties"}},
		// Typed from the home folder or from kafka_lab, without the home folder.
		{StartKafka, "kafka_lab/kafka_2.13-3.1.0/bin/kafka-server-start.sh kafka_lab/kafka_2.13-3.1.0/config/server.properties",
			[]string{"bin/kafka-server-start.sh", "config/server.properties"}},
		{StartZooKeeper, "kafka_2.13-3.1.0/bin/zookeeper-server-start.sh ./kafka_2.13-3.1.0/config/zookeeper.properties",
			[]string{"bin/zookeeper-server-start.sh", "config/zookeeper.properties"}},
		// The tool one way, its file another.
		{StartKafka, "./bin/kafka-server-start.sh " + lab + "/config/server.properties",
			[]string{"bin/kafka-server-start.sh", "config/server.properties"}},
		{StartKafka, "~/kafka_lab/kafka_2.13-3.1.0/bin/kafka-server-start.sh " + lab + "/config/server.properties",
			[]string{"bin/kafka-server-start.sh", "config/server.properties"}},
		{StartKafka, "/root/kafka_lab/kafka_2.13-3.1.0/bin/kafka-server-start.sh -daemon ~/kafka_lab/kafka_2.13-3.1.0/config/server.properties",
			[]string{"bin/kafka-server-start.sh", "-daemon", "config/server.properties"}},
		// Another release's folder; a folder of any name, the same for the tool and its file.
		{StartKafka, "/home/bo/kafka_2.12-2.8.1/bin/kafka-server-start.sh /home/bo/kafka_2.12-2.8.1/config/server.properties",
			[]string{"bin/kafka-server-start.sh", "config/server.properties"}},
		{StartKafka, "/opt/kafka_2.13-4.0.0/bin/kafka-storage.sh format --standalone -t abc -c /opt/kafka_2.13-4.0.0/config/server.properties",
			[]string{"bin/kafka-storage.sh", "format", "--standalone", "-t", "abc", "-c", "config/server.properties"}},
		{StartKafka, "kafka-storage.sh format -t abc --config=" + lab + "/config/kraft/server.properties",
			[]string{"bin/kafka-storage.sh", "format", "-t", "abc", "--config=config/kraft/server.properties"}},
		{StartKafka, "~/kafka/bin/kafka-server-start.sh /home/ana/kafka/config/server.properties",
			[]string{"bin/kafka-server-start.sh", "config/server.properties"}},
		{StartKafka, "/srv/kafka/bin/kafka-server-start.sh /srv/kafka/config/kraft/../server.properties",
			[]string{"bin/kafka-server-start.sh", "config/server.properties"}},
		{StartKafka, "/opt/kafka/bin/kafka-server-start.sh /opt/kafka/config/server.properties",
			[]string{"bin/kafka-server-start.sh", "config/server.properties"}},
		// A shell in front of the script runs what the script's first line runs.
		{ListTopics, "sh bin/kafka-topics.sh --list --bootstrap-server localhost:9092",
			[]string{"bin/kafka-topics.sh", "--list", "--bootstrap-server", "localhost:9092"}},
		{ListTopics, "bash ./bin/kafka-topics.sh --list --bootstrap-server localhost:9092",
			[]string{"bin/kafka-topics.sh", "--list", "--bootstrap-server", "localhost:9092"}},
		{ListTopics, "$ /bin/bash -x " + lab + "/bin/kafka-topics.sh --list --bootstrap-server localhost:9092",
			[]string{"bin/kafka-topics.sh", "--list", "--bootstrap-server", "localhost:9092"}},
		{StartZooKeeper, "/usr/bin/sh -xv ~/kafka_lab/kafka_2.13-3.1.0/bin/zookeeper-server-start.sh " + lab + "/config/zookeeper.properties",
			[]string{"bin/zookeeper-server-start.sh", "config/zookeeper.properties"}},
		// What is no path into the Kafka folder is left as typed.
		{StartKafka, "./bin/kafka-server-start.sh config/server.properties --override log.dirs=/tmp/kafka-logs-2",
			[]string{"bin/kafka-server-start.sh", "config/server.properties", "--override", "log.dirs=/tmp/kafka-logs-2"}},
		{CreateTopic, "/home/ana/kafka/bin/kafka-topics.sh --create --topic kafka --bootstrap-server localhost:9092",
			[]string{"bin/kafka-topics.sh", "--create", "--topic", "kafka", "--bootstrap-server", "localhost:9092"}},
		{ConsoleProducer, lab + "/bin/kafka-console-producer.sh --topic t --bootstrap-server localhost:9092 --producer.config my.properties",
			[]string{"bin/kafka-console-producer.sh", "--topic", "t", "--bootstrap-server", "localhost:9092", "--producer.config", "my.properties"}},
		{ConsoleProducer, lab + "/bin/kafka-console-producer.sh --topic t --producer.config /tmp/kafka_2.13-3.1.0.properties",
			[]string{"bin/kafka-console-producer.sh", "--topic", "t", "--producer.config", "/tmp/kafka_2.13-3.1.0.properties"}},
		{StartKafka, lab + "/bin/kafka-server-start.sh /home/ana/other/config/server.properties",
			[]string{"bin/kafka-server-start.sh", "/home/ana/other/config/server.properties"}},
		{StartKafka, "/usr/bin/kafka-server-start /usr/config/server.properties",
			[]string{"bin/kafka-server-start.sh", "/usr/config/server.properties"}},
		{StartKafka, "./bin/kafka-server-start.sh /home/ana/kafka_2.13-3.1.0/logs/server.properties",
			[]string{"bin/kafka-server-start.sh", "/home/ana/kafka_2.13-3.1.0/logs/server.properties"}},
		{ConsoleConsumer, "kafka-console-consumer.sh --topic t --property key.separator=/ --bootstrap-server localhost:9092",
			[]string{"bin/kafka-console-consumer.sh", "--topic", "t", "--property", "key.separator=/", "--bootstrap-server", "localhost:9092"}},
	} {
		c, err := ParseCommand(tc.key, 1, tc.text)
		if err != nil {
			t.Errorf("%s: %v", tc.text, err)
			continue
		}
		if !slices.Equal(c.Args, tc.want) {
			t.Errorf("%s:\n args %q\n want %q", tc.text, c.Args, tc.want)
		}
		if c.Text != tc.text {
			t.Errorf("%s: text %q, want the command as typed", tc.text, c.Text)
		}
	}
}

// TestCommandsThatDiffer are spellings that do something other than run the tool, refused
// with a message that says what to write instead.
func TestCommandsThatDiffer(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"bash -c './bin/kafka-topics.sh --list'", []string{"starts with `bash -c`", "`./bin/kafka-topics.sh`"}},
		{"sh -e bin/kafka-topics.sh --list", []string{"starts with `sh -e`"}},
		{"bash", []string{"starts with `bash` and names no script", "`./bin/kafka-topics.sh`"}},
		{"sh -x", []string{"starts with `sh -x` and names no script"}},
		{"bash sh bin/kafka-topics.sh --list", []string{"a shell running a shell"}},
		{"bash list.sh", []string{"runs `list.sh`, which is not a Kafka tool"}},
		{"sudo sh bin/kafka-topics.sh --list", []string{"starts with `sudo`", "no sudo"}},
		{"sh sudo bin/kafka-topics.sh --list", []string{"starts with `sudo`"}},
		{"bash cd ~/kafka", []string{"starts with `cd`"}},
		{"cd ~/kafka_lab/kafka_2.13-3.1.0 && ./bin/kafka-topics.sh --list", []string{"starts with `cd`", "Kafka folder"}},
		{"bash bin/kafka-topics.sh --list | grep my", []string{"`|`", "no pipes"}},
		{"sh " + "/home/ana/kafka_lab/kafka_2.13-3.1.0/bin/kafka-topics.sh --list > topics.txt", []string{"`>`", "redirections"}},
		{"sh bin/kafka-topics.sh --list && echo ok", []string{"`&&`"}},
		{"bash bin\\windows\\kafka-topics.bat --list", []string{"Windows"}},
		{"zsh bin/kafka-topics.sh --list", []string{"runs `zsh`, which is not a Kafka tool"}},
		{"./bin/kafka-topics.sh --list --bootstrap-server $HOST:9092", []string{"variable `$HOST`"}},
		{"$HOME/kafka/bin/kafka-topics.sh --list --command-config $HOME/client.properties", []string{"variable `$HOME`", "write its value"}},
		{"./bin/kafka-topics.sh --list --command-config=${HOME}/client.properties", []string{"variable `${HOME}`"}},
		{"./bin/kafka-topics.sh --list --command-config $HOMEDIR/client.properties", []string{"variable `$HOMEDIR`"}},
		{"./bin/kafka-topics.sh --list --command-config x$HOME/client.properties", []string{"variable `$HOME`"}},
	} {
		_, err := ParseCommand(ListTopics, 4, tc.text)
		if err == nil {
			t.Errorf("%s: no error", tc.text)
			continue
		}
		if !strings.HasPrefix(err.Error(), "answers.yaml line 4: `list_topics` ") {
			t.Errorf("%s: error %q does not start with the line and key", tc.text, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", tc.text, err, w)
			}
		}
	}
}
