namespace Herald.Server.Tests.Fixtures;

/// <summary>
/// mosquitto_sub or <c>paho5_client.py</c> speaking MQTT 5, printing each message it receives as
/// one JSON line (<c>-F '%j'</c>); the paho script's CONNACK is kept when it printed one.
/// </summary>
public sealed class Mqtt5Process(ClientProcess process, int connectReason = 0, bool sessionPresent = false) : Mqtt5Subscriber
{
    public ClientProcess Process { get; } = process;

    /// <summary>The CONNACK reason code the paho script printed; 0 for mosquitto_sub, which only runs once accepted.</summary>
    public int ConnectReason { get; } = connectReason;

    public bool SessionPresent { get; } = sessionPresent;

    /// <summary>The next message it printed; other lines (log, SUBACK) are skipped.</summary>
    public override async Task<Mqtt5Message> ReceiveAsync() =>
        Mqtt5Message.FromJson(await Process.WaitForLineAsync(l => l.StartsWith('{')));

    public override ValueTask DisposeAsync() => Process.DisposeAsync();
}
