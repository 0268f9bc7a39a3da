using System.Net;
using Herald.Server.Tests.Fixtures;

namespace Herald.Server.Tests;

public sealed class HealthTests(HeraldServer server) : IClassFixture<HeraldServer>
{
    [Fact]
    public async Task Healthz_returns_200()
    {
        using var http = new HttpClient { Timeout = Wait.Bound };

        using var response = await http.GetAsync($"http://127.0.0.1:{server.HttpPort}/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Http_port_does_not_speak_mqtt()
    {
        using var client = await RawClient.ConnectAsync(server.HttpPort);
        await client.SendAsync(Packets.Connect(Unique.ClientId("wrongport")));

        // Kestrel answers garbage on the HTTP port with 400 Bad Request and closes.
        var reply = System.Text.Encoding.ASCII.GetString(await client.ReadUntilClosedAsync());
        Assert.StartsWith("HTTP/1.1 400", reply);
    }
}
