using Herald.Server.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Durability;

/// <summary>Herald:Storage:Provider and Herald:Storage:Synchronous: what each value means, and bad values refused.</summary>
public sealed class StorageProviderTests
{
    /// <summary>Memory keeps sessions for the life of the process only: documented by a kill -9.</summary>
    [Fact]
    public async Task Memory_provider_loses_persistent_sessions_and_their_queued_messages_on_kill_9()
    {
        await using var herald = await HeraldProcess.StartAsync("--Herald:Storage:Provider=Memory");
        var topic = Unique.Topic("memory");
        var subscriberId = Unique.ClientId("memsub");
        await using (var subscriber = await Sequence.ConnectPersistentAsync(herald.MqttPort, subscriberId))
            await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await using (var publisher = await MqttNetClient.ConnectAsync(herald.MqttPort, Unique.ClientId("mempub")))
        {
            foreach (var payload in new[] { "m1", "m2", "m3" })
                await publisher.PublishAsync(topic, payload, MqttQualityOfServiceLevel.AtLeastOnce);
            await herald.KillAsync();
        }

        await herald.StartAsync();

        await using var back = await Sequence.ConnectPersistentAsync(herald.MqttPort, subscriberId);
        Assert.False(back.ConnectResult.IsSessionPresent);
        // The subscription went with the session; the queued messages would arrive before this one.
        await back.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await using (var publisher = await MqttNetClient.ConnectAsync(herald.MqttPort, Unique.ClientId("mempub")))
            await publisher.PublishAsync(topic, "after restart", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(new Received(topic, "after restart", 1, false), await back.ReceiveAsync());
    }

    [Theory]
    [InlineData("Herald:Storage:Provider", "Postgres")]
    [InlineData("Herald:Storage:Synchronous", "Sometimes")]
    public async Task Invalid_storage_setting_exits_2_naming_the_key(string key, string value)
    {
        await using var herald = HeraldProcess.Create($"--{key}={value}");

        Assert.True(await herald.StartExpectingExitAsync() == 2, herald.Transcript);
        Assert.Contains(key, herald.ErrorOutput);
        Assert.False(File.Exists(herald.DatabasePath), "A database was made although the configuration was refused.");
    }
}
