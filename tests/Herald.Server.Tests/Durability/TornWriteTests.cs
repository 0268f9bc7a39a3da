using System.Buffers.Binary;
using System.Globalization;
using Herald.Server.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Durability;

/// <summary>
/// A crash in the middle of writing a transaction leaves a torn frame at the end of herald.db-wal.
/// That transaction was never acknowledged; every one before it was, and must still be there.
/// </summary>
public sealed class TornWriteTests
{
    private const int WalHeaderSize = 32;
    private const int FrameHeaderSize = 24;
    private const int Messages = 300;

    /// <param name="salted">
    /// true: the torn frame carries the WAL's current salts, as the next real frame would, so
    /// SQLite's recovery must reject it by its checksum; false: plain random bytes.
    /// </param>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    [Trait("Spec", "MQTT-3.1.2-5")]
    public async Task Torn_last_frame_in_the_WAL_loses_no_acknowledged_message(bool salted)
    {
        await using var herald = await HeraldProcess.StartAsync();
        var topic = Unique.Topic("torn");
        var subscriberId = Unique.ClientId("tornsub");
        await using (var subscriber = await Sequence.ConnectPersistentAsync(herald.MqttPort, subscriberId))
            await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await using (var publisher = await MqttNetClient.ConnectAsync(herald.MqttPort, Unique.ClientId("tornpub")))
        {
            await Sequence.PublishAsync(publisher, topic, Messages, MqttQualityOfServiceLevel.AtLeastOnce);
            await herald.KillAsync();
        }
        // A killed process leaves its WAL behind: no last connection closed it and checkpointed.
        Assert.True(File.Exists(herald.WalPath), $"No {herald.WalPath} after kill -9: is the database in WAL mode?");
        AppendTornFrame(herald.WalPath, salted);
        await herald.StartAsync();

        var tally = new SequenceTally("QoS 1 publisher", Messages);
        await using var back = await Sequence.ConnectPersistentAsync(herald.MqttPort, subscriberId);
        Assert.True(back.ConnectResult.IsSessionPresent, $"The persistent session did not survive. {herald.Transcript}");
        while (!tally.Complete)
        {
            var message = await back.ReceiveAsync();
            Assert.Equal((topic, 1), (message.Topic, message.QoS));
            tally.Add(int.Parse(message.Payload, CultureInfo.InvariantCulture));
        }
        Assert.True(tally.OutOfOrder.Count == 0, tally.Summary);

        // The store still takes writes after recovering.
        await using (var publisher = await MqttNetClient.ConnectAsync(herald.MqttPort, Unique.ClientId("tornpub")))
            await publisher.PublishAsync(topic, "after restart", MqttQualityOfServiceLevel.AtLeastOnce);
        Received next;
        while ((next = await back.ReceiveAsync()).Payload != "after restart")
            tally.Add(int.Parse(next.Payload, CultureInfo.InvariantCulture)); // late duplicates, if any
        Assert.Equal(new Received(topic, "after restart", 1, false), next);
    }

    /// <summary>
    /// Appends what a write cut short by the crash leaves: a frame header claiming to commit page 1
    /// and half a page of data, its checksum not matching.
    /// </summary>
    private static void AppendTornFrame(string walPath, bool salted)
    {
        var random = new Random(20261202);
        var existing = File.ReadAllBytes(walPath);
        byte[] torn;
        if (salted && existing.Length >= WalHeaderSize)
        {
            var pageSize = (int)BinaryPrimitives.ReadUInt32BigEndian(existing.AsSpan(8));
            torn = new byte[FrameHeaderSize + pageSize / 2];
            random.NextBytes(torn);
            BinaryPrimitives.WriteUInt32BigEndian(torn, 1);                 // page number
            BinaryPrimitives.WriteUInt32BigEndian(torn.AsSpan(4), 1_000);  // database size after commit: a commit frame
            existing.AsSpan(16, 8).CopyTo(torn.AsSpan(8));                  // salt-1 and salt-2 of the WAL header
        }
        else
        {
            torn = new byte[3000];
            random.NextBytes(torn);
        }
        using var wal = new FileStream(walPath, FileMode.Append, FileAccess.Write);
        wal.Write(torn);
    }
}
