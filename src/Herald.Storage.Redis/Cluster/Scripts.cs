namespace Herald.Storage.Redis.Cluster;

/// <summary>The Lua scripts the cluster runs in Redis; each touches the keys of one hash slot.</summary>
internal static class Scripts
{
    /// <summary>
    /// Applies a session's changes if this node still owns it (ARGV[1]): a node cut off from
    /// Redis while another adopted its sessions must not overwrite them when it comes back.
    /// Operations: <c>s field value</c> set, <c>d field</c> delete, <c>x</c> clear all but the
    /// owner, <c>e</c> forget the client id, <c>h node</c> hand the client id over. 0 when fenced.
    /// </summary>
    public const string Apply = """
        local owner = redis.call('HGET', KEYS[1], 'owner')
        if owner ~= ARGV[1] then return 0 end
        local i = 2
        local n = #ARGV
        while i <= n do
          local op = ARGV[i]
          if op == 's' then
            redis.call('HSET', KEYS[1], ARGV[i + 1], ARGV[i + 2])
            i = i + 3
          elseif op == 'd' then
            redis.call('HDEL', KEYS[1], ARGV[i + 1])
            i = i + 2
          elseif op == 'x' then
            redis.call('DEL', KEYS[1])
            redis.call('HSET', KEYS[1], 'owner', ARGV[1])
            i = i + 1
          elseif op == 'e' then
            redis.call('DEL', KEYS[1])
            return 1
          elseif op == 'h' then
            redis.call('HSET', KEYS[1], 'owner', ARGV[i + 1])
            return 1
          else
            return redis.error_reply('unknown session operation ' .. op)
          end
        end
        return 1
        """;

    /// <summary>
    /// Sets the retained message of topic ARGV[1] to ARGV[2] ('' clears the topic) in KEYS[1], and
    /// when it expires (ARGV[3], Unix ms; '0' never) in KEYS[2].
    /// </summary>
    public const string SetRetained = """
        if ARGV[2] == '' then
          redis.call('HDEL', KEYS[1], ARGV[1])
          redis.call('HDEL', KEYS[2], ARGV[1])
          return 1
        end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        if ARGV[3] == '0' then redis.call('HDEL', KEYS[2], ARGV[1]) else redis.call('HSET', KEYS[2], ARGV[1], ARGV[3]) end
        return 1
        """;

    /// <summary>
    /// Clears topic ARGV[1] if the retained message now there expired by ARGV[2] (Unix ms): a node
    /// purging its expired copy must not delete a newer message another node set meanwhile.
    /// </summary>
    public const string RemoveExpiredRetained = """
        local due = redis.call('HGET', KEYS[2], ARGV[1])
        if due and tonumber(due) <= tonumber(ARGV[2]) then
          redis.call('HDEL', KEYS[1], ARGV[1])
          redis.call('HDEL', KEYS[2], ARGV[1])
          return 1
        end
        return 0
        """;

    /// <summary>Sets the owner to ARGV[2] if it is ARGV[1] ('' for none); 1 when it did.</summary>
    public const string CompareAndSetOwner = """
        local owner = redis.call('HGET', KEYS[1], 'owner') or ''
        if owner ~= ARGV[1] then return 0 end
        redis.call('HSET', KEYS[1], 'owner', ARGV[2])
        return 1
        """;

    /// <summary>
    /// Appends an entry (ARGV[2..] field/value pairs) to a node's inbox (KEYS[1]) and wakes it
    /// (channel ARGV[1]), unless the node died and was adopted (KEYS[2]): then returns the
    /// adopter, for the sender to send there. '' when appended.
    /// </summary>
    public const string Forward = """
        local adopter = redis.call('GET', KEYS[2])
        if adopter then return adopter end
        redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2))
        redis.call('PUBLISH', ARGV[1], '')
        return ''
        """;
}
