using StackExchange.Redis;

namespace Herald.Storage.Redis.Cluster;

/// <summary>One call into Redis that a batch is written with (see <see cref="WritePlan"/>).</summary>
internal abstract class PlannedWrite
{
    public abstract Task<RedisResult> RunAsync(IDatabase db);

    /// <summary>What to do after the call succeeded: nothing (null), or another write to issue in the same phase.</summary>
    public virtual PlannedWrite? FollowUp(RedisResult result, Action<string> fenced) => null;

    /// <summary>A session's changes in order, applied by <see cref="Scripts.Apply"/> if this node still owns it.</summary>
    public sealed class Session(string node, string clientId, List<RedisValue> operations, bool fenceable, string? handedTo, bool forgotten) : PlannedWrite
    {
        public override async Task<RedisResult> RunAsync(IDatabase db)
        {
            var result = await db.ScriptEvaluateAsync(Scripts.Apply, [ClusterKeys.Session(clientId)], [node, .. operations]).ConfigureAwait(false);
            if (handedTo is not null)
            {
                await db.SetRemoveAsync(ClusterKeys.Sessions(node), clientId).ConfigureAwait(false);
                await db.SetAddAsync(ClusterKeys.Sessions(handedTo), clientId).ConfigureAwait(false);
            }
            else if (forgotten)
            {
                await db.SetRemoveAsync(ClusterKeys.Sessions(node), clientId).ConfigureAwait(false);
            }
            return result;
        }

        public override PlannedWrite? FollowUp(RedisResult result, Action<string> fenced)
        {
            if (fenceable && (long)result == 0)
                fenced(clientId);
            return null;
        }
    }

    /// <summary>A retained message set or cleared (<see cref="Scripts.SetRetained"/>), or cleared if expired (<see cref="Scripts.RemoveExpiredRetained"/>).</summary>
    public sealed class Retained(string script, string topic, RedisValue first, RedisValue second) : PlannedWrite
    {
        public override Task<RedisResult> RunAsync(IDatabase db) =>
            db.ScriptEvaluateAsync(script, [ClusterKeys.Retained, ClusterKeys.RetainedExpiry], second.IsNull ? [topic, first] : [topic, first, second]);
    }

    /// <summary>
    /// A batch's route changes ("+filter", "-filter" in order) applied to this node's routes and
    /// announced as one message: <c>node␀sequence␀+a/b␀-c/#</c> (U+0000 never occurs in a filter [MQTT-1.5.4-2]).
    /// </summary>
    /// The announcement carries a sequence number after the node, and the write is done once the
    /// other nodes applied it (<see cref="AppliedAcks"/>).
    public sealed class Routes(string node, List<string> changes, AppliedAcks acks) : PlannedWrite
    {
        public const char Separator = '\0';

        private readonly long _sequence = acks.Next();

        public override async Task<RedisResult> RunAsync(IDatabase db)
        {
            var applied = acks.Expect(_sequence);
            var announcement = $"{node}{Separator}{_sequence}{Separator}{string.Join(Separator, changes)}";
            RedisValue[] args = [ClusterKeys.RouteChanges.ToString(), announcement, .. changes.Select(c => (RedisValue)c)];
            var result = await db.ScriptEvaluateAsync(Scripts.ApplyRoutes, [ClusterKeys.Routes(node)], args).ConfigureAwait(false);
            await applied.ConfigureAwait(false);
            return result;
        }
    }

    /// <summary>
    /// One entry in a node's inbox (<see cref="Scripts.Forward"/>): a batch of messages or a control
    /// request. Sent to a node that died and was adopted, it goes to the adopter instead, still
    /// addressed to the dead node so the adopter delivers it to that node's sessions only.
    /// </summary>
    /// With <paramref name="applied"/> the entry asks to be answered once applied (its retained
    /// messages taken in), and the write is done when it was or <see cref="AppliedAcks.Timeout"/> passed.
    public sealed class Inbox(string target, RedisValue[] fields, string? addressedTo, bool followAdopter, AppliedAcks? applied = null) : PlannedWrite
    {
        public override async Task<RedisResult> RunAsync(IDatabase db)
        {
            var sequence = applied?.Next() ?? 0;
            var answered = applied?.Expect(sequence, [target]);
            RedisValue[] args = [ClusterKeys.Wake(target).ToString(), .. fields];
            if (addressedTo is not null)
                args = [.. args, "to", addressedTo];
            if (answered is not null)
                args = [.. args, "applied", sequence];
            var result = await db.ScriptEvaluateAsync(Scripts.Forward, [ClusterKeys.Inbox(target), ClusterKeys.Dead(target)], args).ConfigureAwait(false);
            if (answered is not null && string.IsNullOrEmpty((string?)result))
                await answered.ConfigureAwait(false);
            return result;
        }

        public override PlannedWrite? FollowUp(RedisResult result, Action<string> fenced)
        {
            var adopter = (string?)result;
            if (string.IsNullOrEmpty(adopter) || !followAdopter || adopter == target)
                return null;
            return new Inbox(adopter, fields, addressedTo ?? target, followAdopter, applied);
        }
    }
}
