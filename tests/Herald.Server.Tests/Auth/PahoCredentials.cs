using System.Globalization;
using Herald.Server.Tests.Fixtures;

namespace Herald.Server.Tests.Auth;

/// <summary>
/// Debian's python3-paho-mqtt (1.6) publishing one message at QoS 1 with a username and password,
/// as MQTT 3.1.1 or 5.0. The fixtures' scripts send no credentials, so this one is passed inline.
/// It prints <c>CONNACK|code</c> (3.1.1 return code, or MQTT 5 reason code), <c>PUBLISHED</c> once
/// the PUBACK arrived, and <c>CLOSED</c> when the connection ends without it having disconnected.
/// </summary>
public static class PahoCredentials
{
    private const string Script = """
        import sys, threading
        import paho.mqtt.client as mqtt
        port, client_id, version, topic, payload = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
        username = sys.argv[6] if len(sys.argv) > 6 else None
        password = sys.argv[7] if len(sys.argv) > 7 else None
        v5 = version == "5"
        client = mqtt.Client(client_id=client_id, protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311)
        if username is not None:
            client.username_pw_set(username, password)
        closed = threading.Event()
        result = [None]
        leaving = [False]
        def say(line):
            print(line, flush=True)
        def publish(c):
            c.publish(topic, payload, qos=1).wait_for_publish()
            say("PUBLISHED")
            result[0] = 0
            closed.set()
        def on_connect(c, userdata, flags, rc, properties=None):
            code = rc.value if hasattr(rc, "value") else rc
            say("CONNACK|%d" % code)
            if code == 0:
                threading.Thread(target=publish, args=(c,), daemon=True).start()
            else:
                result[0] = 1
        def on_disconnect(c, userdata, rc, properties=None):
            if result[0] != 0 and not leaving[0]:
                say("CLOSED")
                closed.set()
        client.on_connect = on_connect
        client.on_disconnect = on_disconnect
        client.connect("127.0.0.1", port, keepalive=60)
        client.loop_start()
        finished = closed.wait(20)
        leaving[0] = True
        client.disconnect()
        client.loop_stop()
        sys.exit(0 if finished else 3)
        """;

    /// <summary>Starts the publisher; the test reads its lines.</summary>
    public static ClientProcess Publish(int port, string version, string topic, string payload, string? username, string? password)
    {
        List<string> args = ["-u", "-c", Script, port.ToString(CultureInfo.InvariantCulture), Unique.ClientId("pauth"), version, topic, payload];
        if (username is not null)
            args.Add(username);
        if (password is not null)
            args.Add(password);
        return ClientProcess.Start("/usr/bin/python3", args);
    }
}
