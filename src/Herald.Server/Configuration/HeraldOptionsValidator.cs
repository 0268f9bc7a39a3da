namespace Herald.Server.Configuration;

/// <summary>Checks the bound options and names the key and the value at fault.</summary>
public static class HeraldOptionsValidator
{
    public static IReadOnlyList<string> Validate(HeraldOptions options)
    {
        var errors = new List<string>();
        void Range(string key, long value, long min, long max)
        {
            if (value < min || value > max)
                errors.Add($"Herald:{key} must be between {min} and {max}, not {value}");
        }
        void Address(string key, string value)
        {
            if (!ListenAddress.IsValid(value))
                errors.Add($"Herald:{key} must be 'localhost', '*' or an IP address, not '{value}'");
        }

        if (string.IsNullOrWhiteSpace(options.DataDir))
            errors.Add("Herald:DataDir must not be empty");
        Range("Mqtt:Port", options.Mqtt.Port, 1, 65535);
        Address("Mqtt:Address", options.Mqtt.Address);
        if (options.Mqtt.Transport == MqttTransport.Epoll && !OperatingSystem.IsLinux())
            errors.Add("Herald:Mqtt:Transport 'Epoll' runs on Linux only; use 'Kestrel'");
        Range("Mqtt:TransportThreads", options.Mqtt.TransportThreads, 0, 256);
        Range("Mqtt:MemoryTrimAfterConnections", options.Mqtt.MemoryTrimAfterConnections, 0, int.MaxValue);
        Range("Mqtt:ConnectTimeoutSeconds", options.Mqtt.ConnectTimeoutSeconds, 1, 3600);
        Range("Mqtt:MaxInflightMessages", options.Mqtt.MaxInflightMessages, 1, 65535);
        Range("Mqtt:MaxQueuedMessages", options.Mqtt.MaxQueuedMessages, 1, int.MaxValue);
        Range("Mqtt:MaxQueuedBytes", options.Mqtt.MaxQueuedBytes, 1, long.MaxValue);
        Range("Mqtt:PurgeIntervalSeconds", options.Mqtt.PurgeIntervalSeconds, 1, 86_400);
        Range("Mqtt:MaxConnections", options.Mqtt.MaxConnections, 0, int.MaxValue);
        Range("Mqtt:MaxConnectionsPerAddress", options.Mqtt.MaxConnectionsPerAddress, 0, int.MaxValue);
        Range("Auth:MaxLoginFailures", options.Auth.MaxLoginFailures, 0, int.MaxValue);
        Range("Auth:LoginThrottleSeconds", options.Auth.LoginThrottleSeconds, 1, 86_400);
        Range("Mqtt:MaxPacketSize", options.Mqtt.MaxPacketSize, 16, 268_435_460);
        Range("Mqtt:ReceiveMaximum", options.Mqtt.ReceiveMaximum, 1, 65535);
        Range("Mqtt:TopicAliasMaximum", options.Mqtt.TopicAliasMaximum, 0, 65535);
        Range("Mqtt:MaxPublishRate", options.Mqtt.MaxPublishRate, 0, int.MaxValue);
        Range("Mqtt:ServerKeepAlive", options.Mqtt.ServerKeepAlive, 0, 65535);
        if (options.Cluster.Enabled && !System.Text.RegularExpressions.Regex.IsMatch(options.NodeId, "^[A-Za-z0-9._-]{1,64}$"))
            errors.Add($"Herald:Cluster:NodeId must be 1 to 64 letters, digits, '.', '_' or '-', not '{options.NodeId}'");
        Range("Cluster:NodeTimeoutSeconds", options.Cluster.NodeTimeoutSeconds, 2, 3600);
        Range("Http:Port", options.Http.Port, 1, 65535);
        Address("Http:Address", options.Http.Address);
        Range("Mqtt:TlsPort", options.Mqtt.TlsPort, 1, 65535);
        Range("Http:TlsPort", options.Http.TlsPort, 1, 65535);

        if (!options.IsLoopbackOnly && options.Auth.AllowAnonymous is null)
        {
            errors.Add($"Herald:Auth:AllowAnonymous must be set when listening beyond loopback (Herald:Mqtt:Address '{options.Mqtt.Address}', "
                + $"Herald:Http:Address '{options.Http.Address}'): false to require a username and password, true to let anonymous clients in from the network");
        }

        for (var i = 0; i < options.Http.ApiKeys.Count; i++)
        {
            var key = options.Http.ApiKeys[i];
            if (key.Key.Length < 16)
                errors.Add($"Herald:Http:ApiKeys:{i}:Key must be at least 16 characters");
            if (key.Scopes.Count == 0)
                errors.Add($"Herald:Http:ApiKeys:{i}:Scopes must name at least one of publish, read, admin");
            foreach (var scope in key.Scopes)
            {
                if (!Enum.TryParse<Herald.Server.Api.ApiScope>(scope, ignoreCase: true, out _) || int.TryParse(scope, out _))
                    errors.Add($"Herald:Http:ApiKeys:{i}:Scopes holds '{scope}'; a scope is publish, read or admin");
            }
        }
        Range("Sys:IntervalSeconds", options.Sys.IntervalSeconds, 0, 86_400);
        Range("HotTopics:Capacity", options.HotTopics.Capacity, 10, 100_000);
        Range("Inbox:MaxMessages", options.Inbox.MaxMessages, 0, 100_000);
        Range("Inbox:RetentionSeconds", options.Inbox.RetentionSeconds, 1, 366 * 86_400);
        foreach (var (key, template, placeholder) in new[] { ("Push:UserTopic", options.Push.UserTopic, "${username}"), ("Push:ClientTopic", options.Push.ClientTopic, "${clientid}") })
        {
            if (!Herald.Protocol.TopicRules.IsValidTopicName(template.Replace(placeholder, "x", StringComparison.Ordinal)) || template.StartsWith('$'))
                errors.Add($"Herald:{key} must be a topic name (with {placeholder} if wanted), not '{template}'");
        }

        for (var i = 0; i < options.AutoSubscribe.Count; i++)
        {
            var entry = options.AutoSubscribe[i];
            var placeholdersFilled = entry.Topic.Replace("${clientid}", "c", StringComparison.Ordinal).Replace("${username}", "u", StringComparison.Ordinal);
            if (!Herald.Protocol.TopicRules.IsValidTopicFilter(placeholdersFilled))
                errors.Add($"Herald:AutoSubscribe:{i}:Topic must be a topic filter (with ${{clientid}} or ${{username}} if wanted), not '{entry.Topic}'");
            Range($"AutoSubscribe:{i}:Qos", entry.Qos, 0, 2);
            Range($"AutoSubscribe:{i}:RetainHandling", entry.RetainHandling, 0, 2);
        }

        // Checked whether TLS is on or not, so turning it on later cannot bring a clash.
        (string Key, int Port)[] ports =
        [
            ("Mqtt:Port", options.Mqtt.Port),
            ("Mqtt:TlsPort", options.Mqtt.TlsPort),
            ("Http:Port", options.Http.Port),
            ("Http:TlsPort", options.Http.TlsPort),
        ];
        for (var i = 0; i < ports.Length; i++)
        {
            for (var j = i + 1; j < ports.Length; j++)
            {
                if (ports[i].Port == ports[j].Port)
                    errors.Add($"Herald:{ports[i].Key} and Herald:{ports[j].Key} are both {ports[i].Port}");
            }
        }

        var tls = options.Tls;
        var hasCertificate = !string.IsNullOrWhiteSpace(tls.CertificatePath);
        if (!hasCertificate && !string.IsNullOrWhiteSpace(tls.KeyPath))
            errors.Add($"Herald:Tls:KeyPath is '{tls.KeyPath}' but Herald:Tls:CertificatePath is not set");
        if (!hasCertificate && !string.IsNullOrEmpty(tls.CertificatePassword))
            errors.Add("Herald:Tls:CertificatePassword is set but Herald:Tls:CertificatePath is not");
        if (hasCertificate && tls.SelfSigned == true)
            errors.Add($"Herald:Tls:SelfSigned is true but Herald:Tls:CertificatePath is '{tls.CertificatePath}': choose one");
        return errors;
    }
}
