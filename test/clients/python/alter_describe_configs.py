# AlterConfigs and DescribeConfigs through python3-confluent-kafka's AdminClient:
# sets a topic override, reads it back with its source, and tries a bad name.
import json
import os

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

a = AdminClient({"bootstrap.servers": os.environ["BOOTSTRAP"]})
topic = os.environ["TOPIC"]
[f.result(15) for f in a.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)]).values()]
res = ConfigResource(ConfigResource.Type.TOPIC, topic, set_config={"retention.ms": "123456"})
[f.result(15) for f in a.alter_configs([res]).values()]
desc = list(a.describe_configs([ConfigResource(ConfigResource.Type.TOPIC, topic)]).values())[0].result(15)
entry = desc["retention.ms"]
bad_error = None
try:
    bad = ConfigResource(ConfigResource.Type.TOPIC, topic, set_config={"no.such.config": "1"})
    [f.result(15) for f in a.alter_configs([bad]).values()]
except KafkaException as e:
    bad_error = e.args[0].name()
print(json.dumps({"value": entry.value, "source": entry.source, "isDefault": entry.is_default,
                  "segmentBytes": desc["segment.bytes"].value, "badError": bad_error}))
