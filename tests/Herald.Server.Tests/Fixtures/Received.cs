namespace Herald.Server.Tests.Fixtures;

/// <summary>An application message as any of the test clients received it.</summary>
public sealed record Received(string Topic, string Payload, int QoS, bool Retain)
{
    /// <summary>Parses <c>MSG|topic|qos|retain|payload</c>, the line mosquitto_sub and the paho script print.</summary>
    public static bool TryParse(string line, out Received message)
    {
        message = null!;
        var parts = line.Split('|', 5);
        if (parts is not ["MSG", var topic, var qos, var retain, var payload])
            return false;
        message = new Received(topic, payload, int.Parse(qos), retain == "1");
        return true;
    }
}
