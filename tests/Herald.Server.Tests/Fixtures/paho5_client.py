"""An MQTT 5 paho-mqtt (1.6, Debian's python3-paho-mqtt) client the server tests drive.

Modes: sub (subscribe and print messages), pub (publish payloads with MQTT 5 properties),
respond (answer each request on --topic on its Response Topic, with its Correlation Data).

Prints one line per event, for the test to read:
  CONNACK|<reason code>|<session present 0/1>
  SUBACK|<reason codes>
  {json}              one message, in the shape mosquitto_sub -F '%j' prints
  PUBLISHED|<payload>
  RESPONDED|<payload>
  TIMEOUT
"""
import argparse
import json
import sys
import threading

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties


def message_json(msg):
    """One received message as mosquitto_sub's %j does: user properties as an object whose keys may repeat."""
    fields = [
        '"topic":%s' % json.dumps(msg.topic),
        '"qos":%d' % msg.qos,
        '"retain":%d' % (1 if msg.retain else 0),
    ]
    props = []
    p = getattr(msg, "properties", None)
    if p is not None:
        if hasattr(p, "UserProperty"):
            pairs = ",".join("%s:%s" % (json.dumps(k), json.dumps(v)) for k, v in p.UserProperty)
            props.append('"user-properties":{%s}' % pairs)
        if hasattr(p, "ContentType"):
            props.append('"content-type":%s' % json.dumps(p.ContentType))
        if hasattr(p, "ResponseTopic"):
            props.append('"response-topic":%s' % json.dumps(p.ResponseTopic))
        if hasattr(p, "CorrelationData"):
            props.append('"correlation-data":%s' % json.dumps(p.CorrelationData.decode("utf-8")))
        if hasattr(p, "PayloadFormatIndicator"):
            props.append('"payload-format-indicator":%d' % p.PayloadFormatIndicator)
        if hasattr(p, "MessageExpiryInterval"):
            props.append('"message-expiry-interval":%d' % p.MessageExpiryInterval)
        if hasattr(p, "SubscriptionIdentifier"):
            props.append('"subscription-identifiers":%s' % json.dumps(list(p.SubscriptionIdentifier)))
    if props:
        fields.append('"properties":{%s}' % ",".join(props))
    fields.append('"payload":%s' % json.dumps(msg.payload.decode("utf-8")))
    return "{%s}" % ",".join(fields)


def publish_properties(args):
    props = Properties(PacketTypes.PUBLISH)
    for name, value in args.user_property:
        props.UserProperty = (name, value)
    if args.content_type is not None:
        props.ContentType = args.content_type
    if args.response_topic is not None:
        props.ResponseTopic = args.response_topic
    if args.correlation_data is not None:
        props.CorrelationData = args.correlation_data.encode("utf-8")
    if args.message_expiry is not None:
        props.MessageExpiryInterval = args.message_expiry
    if args.payload_format is not None:
        props.PayloadFormatIndicator = args.payload_format
    return props


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["sub", "pub", "respond"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--id", required=True)
    parser.add_argument("--clean-start", type=int, default=1)
    parser.add_argument("--session-expiry", type=int, default=None)
    parser.add_argument("--qos", type=int, default=0)
    parser.add_argument("--retain", type=int, default=0)
    parser.add_argument("--topic", action="append", default=[])
    parser.add_argument("--count", type=int, default=0, help="sub, respond: disconnect after this many messages; 0: after SUBACK")
    parser.add_argument("--timeout", type=float, default=10)
    parser.add_argument("--payload", action="append", default=[], dest="payloads")
    parser.add_argument("--user-property", nargs=2, action="append", default=[])
    parser.add_argument("--content-type")
    parser.add_argument("--response-topic")
    parser.add_argument("--correlation-data")
    parser.add_argument("--message-expiry", type=int)
    parser.add_argument("--payload-format", type=int)
    args = parser.parse_args()

    client = mqtt.Client(client_id=args.id, protocol=mqtt.MQTTv5)
    done = threading.Event()
    lock = threading.RLock()
    received = [0]
    responses = {}

    def say(line):
        print(line, flush=True)

    def on_connect(c, userdata, flags, reason, properties):
        say("CONNACK|%d|%d" % (reason.value, flags.get("session present", 0)))
        if reason.value != 0:
            done.set()
            return
        if args.mode in ("sub", "respond"):
            if args.topic:
                c.subscribe([(t, args.qos) for t in args.topic])
            elif args.count == 0:
                done.set()
        else:
            threading.Thread(target=publish_all, args=(c,), daemon=True).start()

    def publish_all(c):
        for payload in args.payloads:
            info = c.publish(args.topic[0], payload, qos=args.qos, retain=bool(args.retain), properties=publish_properties(args))
            info.wait_for_publish()
            say("PUBLISHED|%s" % payload)
        done.set()

    def on_subscribe(c, userdata, mid, reasons, properties):
        say("SUBACK|%s" % ",".join(str(r.value) for r in reasons))
        if args.count == 0:
            done.set()

    def on_message(c, userdata, msg):
        say(message_json(msg))
        if args.mode == "respond":
            request = msg.properties
            reply = Properties(PacketTypes.PUBLISH)
            if hasattr(request, "CorrelationData"):
                reply.CorrelationData = request.CorrelationData
            payload = "reply to " + msg.payload.decode("utf-8")
            # Counted in on_publish (after PUBACK at QoS 1): this callback thread must not wait for it.
            with lock:
                info = c.publish(request.ResponseTopic, payload, qos=args.qos, properties=reply)
                responses[info.mid] = payload
            return
        received[0] += 1
        if received[0] == args.count:
            done.set()

    def on_publish(c, userdata, mid):
        with lock:
            payload = responses.pop(mid, None)
        if payload is None:
            return
        say("RESPONDED|%s" % payload)
        received[0] += 1
        if received[0] == args.count:
            done.set()

    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_message = on_message
    client.on_publish = on_publish
    connect_properties = Properties(PacketTypes.CONNECT)
    if args.session_expiry is not None:
        connect_properties.SessionExpiryInterval = args.session_expiry
    client.connect("127.0.0.1", args.port, keepalive=60, clean_start=bool(args.clean_start), properties=connect_properties)
    client.loop_start()
    finished = done.wait(args.timeout)
    client.disconnect()
    client.loop_stop()
    if not finished:
        say("TIMEOUT")
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
