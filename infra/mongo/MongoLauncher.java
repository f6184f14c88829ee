import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.util.List;

/**
 * Local MongoDB wire-protocol server for tests (mongo-java-server, in-memory: data is lost on stop).
 * mongo-java-server has no CLI of its own; Java 17 runs this single source file directly:
 *
 *   java -Xmx1g -cp 'libs/*' MongoLauncher.java [PORT [HOST]]
 *
 * Defaults: port 27018, host 127.0.0.1 (loopback only). Prints one "ready" line once it accepts
 * connections: scripts/infra/up.sh waits for that line. Stops cleanly on SIGTERM.
 */
public class MongoLauncher {
    /**
     * What the server tells clients it is. mongo-java-server 1.47's newest built-in choice
     * (ServerVersion.MONGO_5_0) reports wire version 8, which the Node driver 7.x and current
     * PyMongo refuse ("requires at least 9 (MongoDB 4.4)"). The version is only reported (hello /
     * isMaster, buildInfo); it switches no server behaviour on, so claim the lowest one they accept.
     */
    static final MongoVersion REPORTED_VERSION = new MongoVersion() {
        @Override
        public List<Integer> getVersionArray() {
            return List.of(4, 4, 0);
        }

        @Override
        public int getWireVersion() {
            return 9;
        }
    };

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 27018;
        String host = args.length > 1 ? args[1] : "127.0.0.1";

        // One INFO line per opened and per closed connection drowns the log under test suites'
        // pools; warnings and errors still show. Set this property to "info" to see connections.
        String wireLogger = "org.slf4j.simpleLogger.log.de.bwaldvogel.mongo.wire.MongoWireProtocolHandler";
        if (System.getProperty(wireLogger) == null) System.setProperty(wireLogger, "warn");

        MongoServer server = new MongoServer(new MemoryBackend().version(REPORTED_VERSION));
        server.bind(host, port);
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow, "mongo-shutdown"));

        System.out.println("MongoLauncher ready: mongodb://" + host + ":" + port
                + " (mongo-java-server, in-memory backend, pid " + ProcessHandle.current().pid() + ")");
        System.out.flush();
        Thread.currentThread().join(); // Netty's threads serve; keep main alive until SIGTERM.
    }
}
