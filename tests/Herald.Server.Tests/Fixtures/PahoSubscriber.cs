namespace Herald.Server.Tests.Fixtures;

/// <summary>A running paho subscriber and what its CONNACK said.</summary>
public sealed class PahoSubscriber(ClientProcess process, int returnCode, bool sessionPresent) : ISubscriber
{
    public ClientProcess Process { get; } = process;

    public int ReturnCode { get; } = returnCode;

    public bool SessionPresent { get; } = sessionPresent;

    public Task<Received> ReceiveAsync() => Process.ReceiveAsync();

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
