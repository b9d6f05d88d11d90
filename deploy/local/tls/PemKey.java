import java.io.FileInputStream;
import java.security.Key;
import java.security.KeyStore;
import java.util.Base64;

/**
 * Prints the private key of a PKCS12 keystore entry as unencrypted PKCS#8 PEM, which keytool
 * cannot do: `java PemKey.java <keystore.p12> <password> <alias>`. Node (kafkajs, pg) and
 * PostgreSQL read the key in this form.
 */
public class PemKey {
  public static void main(String[] args) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (FileInputStream in = new FileInputStream(args[0])) {
      store.load(in, args[1].toCharArray());
    }
    Key key = store.getKey(args[2], args[1].toCharArray());
    if (key == null) throw new IllegalArgumentException("no key entry " + args[2] + " in " + args[0]);
    String body = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded());
    System.out.println("-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----");
  }
}
