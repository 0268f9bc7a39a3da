"""A paho-mqtt (1.6, Debian's python3-paho-mqtt) client the server tests drive.

Prints one line per event, for the test to read:
  CONNACK|<return code>|<session present 0/1>
  SUBACK|<granted qos>
  MSG|<topic>|<qos>|<retain 0/1>|<payload>
  PUBLISHED|<payload>
  TIMEOUT
"""
import argparse
import sys
import threading

import paho.mqtt.client as mqtt


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["sub", "pub"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--id", required=True)
    parser.add_argument("--clean", type=int, default=1)
    parser.add_argument("--protocol", choices=["311", "31"], default="311")
    parser.add_argument("--qos", type=int, default=0)
    parser.add_argument("--retain", type=int, default=0)
    parser.add_argument("--topic", action="append", default=[])
    parser.add_argument("--count", type=int, default=0, help="sub: disconnect after this many messages; 0: after SUBACK")
    parser.add_argument("--timeout", type=float, default=10)
    parser.add_argument("--payload", action="append", default=[], dest="payloads")
    args = parser.parse_args()

    protocol = mqtt.MQTTv311 if args.protocol == "311" else mqtt.MQTTv31
    client = mqtt.Client(client_id=args.id, clean_session=bool(args.clean), protocol=protocol)
    done = threading.Event()
    received = [0]

    def say(line):
        print(line, flush=True)

    def on_connect(c, userdata, flags, rc):
        say("CONNACK|%d|%d" % (rc, flags.get("session present", 0)))
        if rc != 0:
            done.set()
            return
        if args.mode == "sub":
            if args.topic:
                c.subscribe([(t, args.qos) for t in args.topic])
            elif args.count == 0:
                done.set()
        else:
            threading.Thread(target=publish_all, args=(c,), daemon=True).start()

    def publish_all(c):
        for payload in args.payloads:
            info = c.publish(args.topic[0], payload, qos=args.qos, retain=bool(args.retain))
            info.wait_for_publish()
            say("PUBLISHED|%s" % payload)
        done.set()

    def on_subscribe(c, userdata, mid, granted_qos):
        say("SUBACK|%s" % ",".join(str(q) for q in granted_qos))
        if args.count == 0:
            done.set()

    def on_message(c, userdata, msg):
        say("MSG|%s|%d|%d|%s" % (msg.topic, msg.qos, 1 if msg.retain else 0, msg.payload.decode("utf-8")))
        received[0] += 1
        if received[0] == args.count:
            done.set()

    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_message = on_message
    client.connect("127.0.0.1", args.port, keepalive=60)
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
