using Herald.Server.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herald.Server.Tests.Monitoring;

/// <summary>After a wave of new connections settles, memory is trimmed once, and said so in the log.</summary>
public sealed class MemoryTrimTests
{
    [Fact]
    public async Task Memory_is_trimmed_once_a_wave_of_connections_has_settled_and_the_connections_stay()
    {
        var capture = new LogCapture();
        await using var server = await HeraldServer.StartAsync(
            configureServices: s => s.AddLogging(b => b.AddProvider(capture).AddFilter<LogCapture>(null, LogLevel.Information)),
            extraArgs: "--Herald:Mqtt:MemoryTrimAfterConnections=20");
        var clients = new List<RawClient>();
        try
        {
            for (var i = 0; i < 25; i++)
                clients.Add(await RawClient.ConnectMqttAsync(server.MqttPort, Packets.Connect(Unique.ClientId("wave"))));

            var line = await capture.WaitForLineAsync(l => l.Contains("Memory trimmed after a wave of connections"));

            Assert.Contains("(25 open)", line);
            Assert.Equal(25, server.Broker.ConnectionCount);
            foreach (var client in clients)
            {
                await client.SendAsync(Packets.PingReq());
                Assert.Equal([0xD0, 0x00], await client.ReadPacketAsync());
            }
        }
        finally
        {
            foreach (var client in clients)
                client.Dispose();
        }
    }

    [Fact]
    public async Task Memory_is_not_trimmed_when_fewer_connections_came_than_the_threshold()
    {
        var capture = new LogCapture();
        await using var server = await HeraldServer.StartAsync(
            configureServices: s => s.AddLogging(b => b.AddProvider(capture).AddFilter<LogCapture>(null, LogLevel.Information)),
            extraArgs: "--Herald:Mqtt:MemoryTrimAfterConnections=20");
        using var client = await RawClient.ConnectMqttAsync(server.MqttPort, Packets.Connect(Unique.ClientId("few")));
        var marker = Unique.ClientId("marker");

        // Two of the trim's 3-second checks pass; then a line known to come shows the log has caught up.
        await Task.Delay(TimeSpan.FromSeconds(7));
        using (var last = await RawClient.ConnectMqttAsync(server.MqttPort, Packets.Connect(marker)))
            await capture.WaitForLineAsync(l => l.Contains(marker));

        Assert.DoesNotContain("Memory trimmed", capture.Transcript);
    }
}
