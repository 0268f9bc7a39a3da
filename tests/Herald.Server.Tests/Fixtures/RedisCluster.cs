using System.Net;
using System.Net.Sockets;

namespace Herald.Server.Tests.Fixtures;

/// <summary>
/// A Redis Cluster of three redis-server masters on free loopback ports, no replicas, no
/// persistence, for one test class: each node owns a third of the hash slots, so keys without a
/// shared hash tag land on different nodes, as in production. Each node runs in a directory of its
/// own, where it writes its cluster state (nodes-PORT.conf); disposing kills the nodes and deletes
/// the directories.
/// </summary>
public sealed class RedisCluster : IAsyncLifetime
{
    private const string RedisCliPath = "/usr/bin/redis-cli";
    private const int NodeCount = 3;
    private const int StartAttempts = 3;

    /// <summary>A node's cluster bus, where nodes talk to each other, listens on its client port plus this, unless cluster-port says otherwise.</summary>
    private const int BusPortOffset = 10000;

    private readonly string _root = Directory.CreateTempSubdirectory("herald-redis-cluster-").FullName;
    private readonly List<RedisProcess> _nodes = [];
    private int[] _ports = [];

    /// <summary>The StackExchange.Redis configuration string naming all three nodes.</summary>
    public string Configuration => string.Join(',', _ports.Select(p => $"127.0.0.1:{p}"));

    public async Task InitializeAsync()
    {
        try
        {
            await StartNodesAsync();
            await CreateClusterAsync();
            foreach (var port in _ports)
                await Poll.UntilAsync(() => ClusterStateAsync(port), s => s == "cluster_state:ok", $"CLUSTER INFO of the node on port {port}");
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        await StopNodesAsync();
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }

    /// <summary>Another process may take a client or bus port between choosing it and the node's bind; then all three start again on new ones.</summary>
    private async Task StartNodesAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            _ports = ChoosePorts();
            if (await TryStartNodesAsync())
                return;
            if (attempt == StartAttempts)
                throw new InvalidOperationException($"A cluster node found its port in use {StartAttempts} times, lastly among {Configuration}.");
        }
    }

    private async Task<bool> TryStartNodesAsync()
    {
        foreach (var port in _ports)
        {
            var directory = Directory.CreateDirectory(Path.Combine(_root, $"node-{port}")).FullName;
            string[] clusterArgs =
            [
                "--cluster-enabled", "yes",
                "--cluster-config-file", Path.Combine(directory, $"nodes-{port}.conf"),
                "--cluster-node-timeout", "2000",
            ];
            var node = await RedisProcess.TryStartAsync(port, clusterArgs, directory);
            if (node is null)
            {
                await StopNodesAsync();
                return false;
            }
            _nodes.Add(node);
        }
        return true;
    }

    private async Task StopNodesAsync()
    {
        foreach (var node in _nodes)
            await node.DisposeAsync();
        _nodes.Clear();
    }

    /// <summary>Assigns the slots evenly over the three masters and waits until they agree (redis-cli's "Waiting for the cluster to join").</summary>
    private async Task CreateClusterAsync()
    {
        string[] arguments = ["--cluster", "create", .. _ports.Select(p => $"127.0.0.1:{p}"), "--cluster-replicas", "0", "--cluster-yes"];
        await using var create = ClientProcess.Start(RedisCliPath, arguments);
        await create.ExpectSuccessAsync();
    }

    /// <summary>The <c>cluster_state:</c> line of the node's CLUSTER INFO: <c>ok</c> once it serves every slot.</summary>
    private static async Task<string> ClusterStateAsync(int port)
    {
        await using var info = ClientProcess.Start(RedisCliPath, ["-h", "127.0.0.1", "-p", port.ToString(), "cluster", "info"]);
        var line = await info.WaitForLineAsync(l => l.StartsWith("cluster_state:", StringComparison.Ordinal));
        return line.Trim(); // CLUSTER INFO ends its lines with \r\n, which redis-cli prints as they are.
    }

    /// <summary>Distinct free client ports whose bus ports are free as well and none of which is another's bus port.</summary>
    private static int[] ChoosePorts()
    {
        var ports = new List<int>();
        while (ports.Count < NodeCount)
        {
            var port = HeraldServer.FreePort();
            var bus = port + BusPortOffset;
            if (bus <= IPEndPoint.MaxPort && IsFree(bus) && !ports.Exists(p => p == port || p + BusPortOffset == port || p == bus))
                ports.Add(port);
        }
        return [.. ports];
    }

    private static bool IsFree(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
