using Herald.Broker.Messages;
using Herald.Broker.Persistence;
using Herald.Protocol;
using Herald.Server.Tests.Fixtures;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Server.Tests.DurableStores;

/// <summary>
/// What every <see cref="IDurableStore"/> (SQLite's herald.db, a cluster node's Redis) must do, run
/// against each, as the doc comments of <see cref="IDurableStore"/> and <see cref="StoredState"/>
/// state it. A test records through the store as the engine does, waits for a
/// <see cref="IDurableStore.WhenDurable"/> callback, restarts (the store is closed and a new one
/// opened on what it left) and asserts what <see cref="IDurableStore.Load"/> gives back. The
/// ordering tests read, inside a callback, what a restart would load if the process died there
/// (<see cref="ReadDurable"/>), so "durable before the callback" is checked, not assumed.
///
/// Not part of the contract, so not asserted: <see cref="StoredState.LastMessageId"/> and a
/// loaded <see cref="Message.StoreId"/> (SQLite shares one message row between its deliveries and
/// names it by that id; Redis inlines the message in each delivery and loads 0).
/// Client ids and topics are unique per test, so stores sharing a Redis stay independent.
/// </summary>
public abstract partial class DurableStoreContract : IAsyncLifetime
{
    /// <summary>A whole millisecond: the stores keep times to the millisecond.</summary>
    protected static readonly DateTimeOffset Start = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);

    /// <summary>The bound of every wait for a store; a healthy one commits in milliseconds.</summary>
    protected static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(10);

    private long _lastStoreId;

    /// <summary>The clock of every store the test opens, so a restart keeps the time it had.</summary>
    protected FakeTimeProvider Time { get; } = new(Start);

    /// <summary>What the stores the test opened logged at Error, and what the harness saw go wrong.</summary>
    internal StoreErrors Errors { get; } = new();

    /// <summary>The store opened last.</summary>
    protected abstract IDurableStore Store { get; }

    /// <summary>
    /// Opens a store on what the one before left, as a starting server does: reads it with
    /// <see cref="IDurableStore.Load"/>, then lets it write.
    /// </summary>
    protected abstract Task<StoredState> OpenAsync();

    /// <summary>Stops the store as a stopping server does: what was recorded is written, then it closes.</summary>
    protected abstract Task CloseAsync();

    /// <summary>
    /// Makes <paramref name="clientId"/> this store's before anything is recorded for it, as the
    /// engine's host does: the cluster's claim; nothing for a server that owns its file.
    /// </summary>
    protected abstract Task ClaimAsync(string clientId);

    /// <summary>
    /// What a restart would load if the process died now. Called inside a
    /// <see cref="IDurableStore.WhenDurable"/> callback, on the store's writer, and must not
    /// disturb the running store.
    /// </summary>
    protected abstract StoredState ReadDurable();

    public virtual async Task InitializeAsync() => Opened(await OpenAsync());

    public virtual async Task DisposeAsync()
    {
        await CloseAsync();
        AssertNoErrors();
    }

    /// <summary>A client id no other test uses, claimed for the store.</summary>
    protected async Task<string> ClientAsync()
    {
        var clientId = Unique.ClientId("durable");
        await ClaimAsync(clientId);
        return clientId;
    }

    /// <summary>Waits until everything recorded so far is durable.</summary>
    protected async Task DurableAsync()
    {
        var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Store.WhenDurable(static state => ((TaskCompletionSource)state!).SetResult(), durable);
        await durable.Task.WaitAsync(WriteTimeout);
    }

    /// <summary>Waits until what was recorded is durable, closes the store and opens a new one on the same data: a restart.</summary>
    protected async Task<StoredState> RestartAsync()
    {
        await DurableAsync();
        await CloseAsync();
        AssertNoErrors();
        return Opened(await OpenAsync());
    }

    /// <summary>
    /// Records a <see cref="IDurableStore.WhenDurable"/> whose callback reads, there and then, what
    /// a restart would load: the state a crash at the moment the callback runs would leave.
    /// </summary>
    protected Task<StoredState> ReadWhenDurable()
    {
        var read = new TaskCompletionSource<StoredState>(TaskCreationOptions.RunContinuationsAsynchronously);
        Store.WhenDurable(state =>
        {
            var done = (TaskCompletionSource<StoredState>)state!;
            try
            {
                done.SetResult(ReadDurable());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }, read);
        return read.Task.WaitAsync(WriteTimeout);
    }

    /// <summary>
    /// A message as the engine hands it to a store: with a store id, which Broker.AssignStoreId
    /// gives it before <see cref="IDurableStore.AddDelivery"/> and <see cref="IDurableStore.SetRetained"/>.
    /// The SQLite store needs it: a message row, shared by every delivery of the message, is keyed
    /// by it, and <see cref="IDurableStore.RemoveRetained"/> deletes the retained message with it;
    /// two messages with id 0 would overwrite each other's row. AssignStoreId is internal to the
    /// engine, so the harness counts ids as it does (on from <see cref="StoredState.LastMessageId"/>
    /// after a restart) and gives them through the public <see cref="Message.Restore"/>.
    /// </summary>
    protected Message NewMessage(string topic, ReadOnlySpan<byte> payload, QualityOfService qos, bool retain, Properties? properties = null, string? origin = null)
    {
        var message = Message.Create(topic, payload, qos, retain, properties, origin, Time.GetTimestamp());
        return Message.Restore(++_lastStoreId, message.Topic, message.Payload.Span, message.QoS, message.Retain,
            message.EncodedProperties, message.ExpiryInterval, message.OriginClientId, message.Timestamp);
    }

    /// <summary>The session of <paramref name="clientId"/>, which must be there once.</summary>
    protected static StoredSession SessionOf(StoredState state, string clientId) => Assert.Single(state.Sessions, s => s.ClientId == clientId);

    protected static bool HasSession(StoredState state, string clientId) => state.Sessions.Any(s => s.ClientId == clientId);

    /// <summary>The retained messages loaded for <paramref name="topic"/> (other tests' topics may share the store).</summary>
    protected static Message[] RetainedOn(StoredState state, string topic) => [.. state.Retained.Where(m => m.Topic == topic)];

    protected static void AssertSameMessage(Message expected, Message actual)
    {
        Assert.Equal(expected.Topic, actual.Topic);
        Assert.Equal(expected.Payload.ToArray(), actual.Payload.ToArray());
        Assert.Equal(expected.QoS, actual.QoS);
        Assert.Equal(expected.Retain, actual.Retain);
        Assert.Equal(expected.OriginClientId, actual.OriginClientId);
        Assert.Equal(expected.ExpiryInterval, actual.ExpiryInterval);
        Assert.Equal(expected.EncodedProperties.ToArray(), actual.EncodedProperties.ToArray());
    }

    protected static string Text(ReadOnlyMemory<byte> bytes) => System.Text.Encoding.UTF8.GetString(bytes.Span);

    private StoredState Opened(StoredState state)
    {
        _lastStoreId = Math.Max(_lastStoreId, state.LastMessageId); // as Broker.Restore does
        return state;
    }

    private void AssertNoErrors()
    {
        var errors = Errors.Logged;
        Assert.True(errors.Length == 0, $"the store reported errors:{Environment.NewLine}{string.Join(Environment.NewLine, errors)}");
    }
}
