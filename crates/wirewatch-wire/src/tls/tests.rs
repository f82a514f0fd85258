//! Tests against real bytes from Zeek's test trace `traces/tls/tls1.2.pcap`
//! (one TLS 1.2 connection, 10.0.0.80:56637 → 68.233.76.12:443), whose
//! expected values are in Zeek's baselines
//! `scripts.base.protocols.ssl.tls-1.2/{ssl,x509}.log`, plus published
//! JA3/JA4 test vectors and fuzz-style robustness checks.

use super::x509::{asn1_time, format_name, parse_certificate, serial_hex};
use super::*;

// TCP payloads extracted with
// `tshark -r tls1.2.pcap -Y frame.number==N -T fields -e tcp.payload`.

/// Frame 4, client → server: one record holding the ClientHello (322 bytes).
const CLIENT_HELLO: &str = concat!(
    "160301013d01000139030350e731d038d05540f1aa6d49b553450b82a4e09e47f3dd1fee79a65bccd704900000a0c030",
    "c02cc028c024c014c00ac022c02100a3009f006b006a0039003800880087c032c02ec02ac026c00fc005009d003d0035",
    "0084c012c008c01cc01b00160013c00dc003000ac02fc02bc027c023c013c009c01fc01e00a2009e0067004000330032",
    "009a009900450044c031c02dc029c025c00ec004009c003c002f009600410007c011c007c00cc0020005000400150012",
    "00090014001100080006000300ff020100006f000b000403000102000a00340032000e000d0019000b000c0018000900",
    "0a00160017000800060007001400150004000500120013000100020003000f0010001100230000000d00220020060106",
    "0206030501050205030401040204030301030203030201020202030101000f000101",
);
/// Frames 5, 6 and 8, server → client, concatenated: ServerHello, Certificate
/// (3 certificates, the message spanning two TCP segments) and ServerHelloDone.
const SERVER_FLIGHT: &str = concat!(
    "16030300510200004d030352c1f4efa702f42726055d7c63834b4eb00e3646be7abb0e79bf0f8570838d5820fa283db6",
    "334ef9973bf89aaa913c784c3d4fd57a954864a5aef82a01aae807cf0004000005ff010001001603030ef30b000eef00",
    "0eec0005a9308205a53082048da00302010202110099faa8037a4eb2faef84eb5e55d5b8c8300d06092a864886f70d01",
    "01050500308189310b3009060355040613024742311b30190603550408131247726561746572204d616e636865737465",
    "723110300e0603550407130753616c666f7264311a3018060355040a1311434f4d4f444f204341204c696d6974656431",
    "2f302d06035504031326434f4d4f444f20486967682d4173737572616e63652053656375726520536572766572204341",
    "301e170d3131303530343030303030305a170d3136303730343233353935395a3081cd310b3009060355040613025553",
    "310e300c060355041113053934353638310b3009060355040813024341310f300d060355040713064475626c696e3112",
    "301006035504091309537569746520343030311e301c0603550409131534313430204475626c696e20426f756c657661",
    "726431133011060355040a130a54616c656f20496e632e310c300a060355040b130357656231233021060355040b131a",
    "436f6d6f646f205072656d69756d53534c2057696c6463617264311430120603550403140b2a2e74616c656f2e6e6574",
    "30820122300d06092a864886f70d01010105000382010f003082010a0282010100ea7d02ee96fcbd8eed4b546f261111",
    "9685a7d80a7eb96e22bf6a23cee7ba6bc16702ba41d498d8f6eef8742b2947521d0d9b96df47c2444ad09a7670631670",
    "bb3b518ecb660ab59c368b9fadc3e4ced219d9bf27947fd69ed47119ee4339e498434f2e18a4d77e5862a3ca3b105e75",
    "f927ffd6a4d5d8454a710d6c7bbccde0b5b8816fea5dae7d7b74611c4cf8284c0d822a3d54bdbe752355aa940eadc79c",
    "e947280e743a5a2d9b77fb8810f068a6f255b9a1a8dd16018a30ed2a5a7564da62d5933b85161bcccf501d5b8501e6bb",
    "034b3faa2d7189564f8677593d0d3029e2241fe5f776082c92560ad252fd9a49943c4ab2f1086be307482e47512b246f",
    "c50203010001a38201c0308201bc301f0603551d230418301680143fd5b5d0d64479504a17a39b8c4adcb8b022646b30",
    "1d0603551d0e04160414a2760920a840fda1acc8e935b911a661ff8cffa3300e0603551d0f0101ff0404030205a0300c",
    "0603551d130101ff04023000301d0603551d250416301406082b0601050507030106082b060105050703023046060355",
    "1d20043f303d303b060c2b06010401b2310102010304302b302906082b06010505070201161d68747470733a2f2f7365",
    "637572652e636f6d6f646f2e636f6d2f435053304f0603551d1f044830463044a042a040863e687474703a2f2f63726c",
    "2e636f6d6f646f63612e636f6d2f434f4d4f444f486967682d4173737572616e63655365637572655365727665724341",
    "2e63726c30818006082b0601050507010104743072304a06082b06010505073002863e687474703a2f2f6372742e636f",
    "6d6f646f63612e636f6d2f434f4d4f444f486967682d4173737572616e636553656375726553657276657243412e6372",
    "74302406082b060105050730018618687474703a2f2f6f6373702e636f6d6f646f63612e636f6d30210603551d11041a",
    "3018820b2a2e74616c656f2e6e6574820974616c656f2e6e6574300d06092a864886f70d010105050003820101002b99",
    "bcd3aa3ba26812e34e86262a80600b3cc481e48d4852f76b90ee26e1b1ce76438cbb55cffb990e019ce096958266a424",
    "e69d3ff7fe7ebf232aa7dff6c8b3ebe7bb3d722a2d9b2dd67417a8656d600cedf155d47957d30f821c10e5849e8fd353",
    "e7e939bfc7456a2491962d416e63bd46f343b55918c933b781d4aa751a66fa6869f4d2576a256fe81132b870850659df",
    "43b418243f8e133d996f7e4a475eb4c3d5e76acf62a28b42dd2241dc6febf3534617bf191d1dc3c44cb530b65b29ba8c",
    "7ebb43143423edc66a0e34a170fd3e36c0f495f97cda5881dc086a09471ae2ca822cf363946515099a163d1f80ed8180",
    "55027fbf10de8110f0c9bc2ea37c000500308204fc308203e4a00302010202101690c329b6780607511f05b0344846cb",
    "300d06092a864886f70d0101050500306f310b300906035504061302534531143012060355040a130b41646454727573",
    "7420414231263024060355040b131d41646454727573742045787465726e616c20545450204e6574776f726b31223020",
    "0603550403131941646454727573742045787465726e616c20434120526f6f74301e170d313030343136303030303030",
    "5a170d3230303533303130343833385a308189310b3009060355040613024742311b3019060355040813124772656174",
    "6572204d616e636865737465723110300e0603550407130753616c666f7264311a3018060355040a1311434f4d4f444f",
    "204341204c696d69746564312f302d06035504031326434f4d4f444f20486967682d4173737572616e63652053656375",
    "72652053657276657220434130820122300d06092a864886f70d01010105000382010f003082010a0282010100e787da",
    "c077e4bb3afa6a24c88041acd21613153dfaf7f82a76dca82d3908ce484abe0f7df0debabb47d5bd2dd71bab0f208123",
    "0872b1c011950de6eaa987ffc76e1e4f6632ba53bc05aa1c2c0cef4d37476b100cdbc5a0987e58db37d6aee906bdd7a8",
    "65f337b9c76dce77c726e0d7741fa69816bb0c6bc8be77d0ef58a729a0b9b8690536cbb2da58a30b75ad3d8b2282203e",
    "7086991cb94fcf77a4071a2363d1385684ecbf8fc54ef418969b1ae893ec8daf159c24f05a3be80fb9a85a01d3b21c60",
    "c99c5204dd92a7fe0cace2458d0361bc79e0772e87413c585fcbf5c577f258c84d28d09afaf37309246874bc204cd82c",
    "b0aae8d94e6df28c24d3935d910203010001a382017730820173301f0603551d23041830168014adbd987a34b426f7fa",
    "c42654ef03bde024cb541a301d0603551d0e041604143fd5b5d0d64479504a17a39b8c4adcb8b022646b300e0603551d",
    "0f0101ff04040302010630120603551d130101ff040830060101ff02010030110603551d20040a300830060604551d20",
    "0030440603551d1f043d303b3039a037a0358633687474703a2f2f63726c2e7573657274727573742e636f6d2f416464",
    "547275737445787465726e616c4341526f6f742e63726c3081b306082b060105050701010481a63081a3303f06082b06",
    "0105050730028633687474703a2f2f6372742e7573657274727573742e636f6d2f416464547275737445787465726e61",
    "6c4341526f6f742e703763303906082b06010505073002862d687474703a2f2f6372742e7573657274727573742e636f",
    "6d2f416464547275737455544e53474343412e637274302506082b060105050730018619687474703a2f2f6f6373702e",
    "7573657274727573742e636f6d300d06092a864886f70d0101050500038201010013851f528018c953f7fe2e1aafccd9",
    "0b3cc2d3858110f0288db9407e2c9e8fd636860a4c142dd69743924119374b969eeba930791295b3023657ed2bb91d98",
    "1aa3180a3f9b398bcda149294c2ff9d0958cc84d95baa843cf33aa252a5a0eaa27c94e6bb1e6731fb37404c3f34ce2a8",
    "eb67b75db808051a569a542985f5294e803b95d07b53961156c102d3eab27fca8f9c704a148d5ab9166075d6cd271e16",
    "cd5b338e7940cf2848e7dc71164e749175b92a8cf170ac26dd04b940c285de1c9340d0cc6ec39baaef6065df6022f05a",
    "a57aa22fe47073ee3cd4262b6807c1207ae8985a3e7b9f028b62c085818060357ea51d0cd29cdf62450ddbfc37fbf525",
    "2200043a308204363082031ea003020102020101300d06092a864886f70d0101050500306f310b300906035504061302",
    "534531143012060355040a130b416464547275737420414231263024060355040b131d41646454727573742045787465",
    "726e616c20545450204e6574776f726b312230200603550403131941646454727573742045787465726e616c20434120",
    "526f6f74301e170d3030303533303130343833385a170d3230303533303130343833385a306f310b3009060355040613",
    "02534531143012060355040a130b416464547275737420414231263024060355040b131d416464547275737420457874",
    "65726e616c20545450204e6574776f726b312230200603550403131941646454727573742045787465726e616c204341",
    "20526f6f7430820122300d06092a864886f70d01010105000382010f003082010a0282010100b7f71a33e6f200042d39",
    "e04e5bed1fbc6c0fcdb5fa23b6cede9b113397a4294c7d939fbd4abc93ed031ae38fcfe56d505ad69729945a80b0497a",
    "db2e95fdb8cabf37382d1e3e9141ad7056c7f04f3fe8329e74cac89054e9c65f0f789d9a403c0eac61aa5e148f9e87a1",
    "6a50dcd79a4eaf05b3a671949c71b350600ac7139d38078602a8e9a869261890ab4cb04f23ab3a4f84d8dfce9fe1696f",
    "bbd742d76b44e4c7adee6d415f725a710837b37965a459a09437f7002f0dc29272dad03872db14a845c45d2a7db7b4d6",
    "c4eeaccd1344b7c92bdd430025fa61b9696a582311b7a7338f567559f5cd29d746b70a2b65b6d3426f15b2b87bfbefe9",
    "5d53d5345a270203010001a381dc3081d9301d0603551d0e04160414adbd987a34b426f7fac42654ef03bde024cb541a",
    "300b0603551d0f040403020106300f0603551d130101ff040530030101ff3081990603551d2304819130818e8014adbd",
    "987a34b426f7fac42654ef03bde024cb541aa173a471306f310b300906035504061302534531143012060355040a130b",
    "416464547275737420414231263024060355040b131d41646454727573742045787465726e616c20545450204e657477",
    "6f726b312230200603550403131941646454727573742045787465726e616c20434120526f6f74820101300d06092a86",
    "4886f70d01010505000382010100b09be08525c2d623e20f9606929d41989cd9847981d91e5b14072336658fb0d877bb",
    "ac416c47608351b0f9323de7fcf62613c78016a5bf5afc87cf787989219ae24c070a8635bcf2de51c4d296b7dc7e4eee",
    "70fd1c39eb0c0251142d8ebd16e0c1df4675e724adecf442b48593701067ba9d06354a18d32b7acc5142a17a63d1e6bb",
    "a1c52bc236be130de6bd637e797ba7090d40ab6add8f8ac3f6f68c1a420551d445f59fa76221681520433c99e77cbd24",
    "d8a9911773883f561b313818b4710f9acdc80e9e8e2e1be18c9883cb1f31f1444cc604734976600fc7f8bd17806b2ee9",
    "cc4c0e5a9a790f200a2ed59e63261e559294d882175a7bd0bcc78f4e860416030300040e000000",
);
/// Frame 10, client → server: ClientKeyExchange, ChangeCipherSpec and the
/// encrypted Finished (a handshake record that must not be parsed).
const CLIENT_KEY_EXCHANGE: &str = concat!(
    "1603030106100001020100202b2e034297fcc5a6444b22d25ad8e18d6e35a86b278dd77266c2e4d11981e6bc4bfc8151",
    "2ea3446b53242d337be086f531852998d3db538d5175c5e4d334391d01b3fdf7391fdf70d4f5d0222eb9a50415fa96a7",
    "4c2db1d16db84685bb2a0d70d577111a34c351a5678fc72c31b4be0aefa1436508e7f9749fbf0abaf58c78c293b7f4ba",
    "5211909d2f86e9d80968da6078743fd2f9cf89421a8a1aad0aecf2fba1842eadef907ec7b66d97a6bb2ffeee0d762a91",
    "ef950b74a83eef9d911d6d6f9160d025957778df087a7f29a8a3f65654d73f5099d99e32b0908b680fa13bd42d0d34a7",
    "8ed978f59ddba32f55ce639ab99691438615d894286472d2f049581403030001011603030020ca1f3ae40042504aaa42",
    "e8081fb2f6c838b450c2af7a4b0b05a1932f56f5a4a7",
);
/// Frame 13, client → server: the first application_data record.
const CLIENT_APP_DATA: &str =
    "170303001fac71b392a576d18e04b2a1584663210a70e11d718e22809a74c99584de9d5b";

fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2));
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn feed_all(chunks: &[&[u8]]) -> Vec<Result<Handshake, TlsError>> {
    let mut r = HandshakeReader::new();
    chunks.iter().flat_map(|c| r.feed(c)).collect()
}

fn only_client_hello(out: &[Result<Handshake, TlsError>]) -> &ClientHello {
    match out {
        [Ok(Handshake::ClientHello(ch))] => ch,
        other => panic!("expected one ClientHello, got {other:?}"),
    }
}

// ---- builders for synthetic messages ----

fn u16s(values: &[u16]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_be_bytes()).collect()
}

fn vec16(body: &[u8]) -> Vec<u8> {
    let mut v = (body.len() as u16).to_be_bytes().to_vec();
    v.extend_from_slice(body);
    v
}

fn vec8(body: &[u8]) -> Vec<u8> {
    let mut v = vec![body.len() as u8];
    v.extend_from_slice(body);
    v
}

fn handshake_msg(typ: u8, body: &[u8]) -> Vec<u8> {
    let len = body.len() as u32;
    let mut v = vec![typ];
    v.extend_from_slice(&len.to_be_bytes()[1..]);
    v.extend_from_slice(body);
    v
}

fn record(typ: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![typ, 3, 3];
    v.extend_from_slice(&(body.len() as u16).to_be_bytes());
    v.extend_from_slice(body);
    v
}

fn client_hello_body(version: u16, ciphers: &[u16], exts: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut b = version.to_be_bytes().to_vec();
    b.extend_from_slice(&[0x42; 32]);
    b.extend(vec8(&[]));
    b.extend(vec16(&u16s(ciphers)));
    b.extend(vec8(&[0]));
    let mut e = Vec::new();
    for (typ, data) in exts {
        e.extend_from_slice(&typ.to_be_bytes());
        e.extend(vec16(data));
    }
    b.extend(vec16(&e));
    b
}

fn server_hello_body(random: [u8; 32], cipher: u16, exts: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut b = 0x0303u16.to_be_bytes().to_vec();
    b.extend_from_slice(&random);
    b.extend(vec8(&[0x11; 32]));
    b.extend_from_slice(&cipher.to_be_bytes());
    b.push(0);
    let mut e = Vec::new();
    for (typ, data) in exts {
        e.extend_from_slice(&typ.to_be_bytes());
        e.extend(vec16(data));
    }
    b.extend(vec16(&e));
    b
}

fn der(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    match body.len() {
        n @ 0..=0x7f => v.push(n as u8),
        n @ 0x80..=0xff => v.extend_from_slice(&[0x81, n as u8]),
        n => v.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]),
    }
    v.extend_from_slice(body);
    v
}

/// One attribute for [`name`]: OID contents, value tag, value bytes.
type Attr<'a> = (&'a [u8], u8, &'a [u8]);

/// A Name from RDNs, each a list of attributes.
fn name(rdns: &[&[Attr<'_>]]) -> Vec<u8> {
    let mut out = Vec::new();
    for rdn in rdns {
        let mut set = Vec::new();
        for (oid, tag, value) in *rdn {
            let mut atv = der(0x06, oid);
            atv.extend(der(*tag, value));
            set.extend(der(0x30, &atv));
        }
        out.extend(der(0x31, &set));
    }
    out
}

const CN: &[u8] = &[0x55, 4, 3];
const C: &[u8] = &[0x55, 4, 6];
const L: &[u8] = &[0x55, 4, 7];
const ST: &[u8] = &[0x55, 4, 8];
const O: &[u8] = &[0x55, 4, 10];
const OU: &[u8] = &[0x55, 4, 11];
const PRINTABLE: u8 = 0x13;
const UTF8: u8 = 0x0c;

// ---- the capture ----

#[test]
fn tls_client_hello_from_capture() {
    let out = feed_all(&[&unhex(CLIENT_HELLO)]);
    let ch = only_client_hello(&out);
    assert_eq!(ch.legacy_version, 0x0303);
    assert_eq!(ch.cipher_suites.len(), 80);
    assert_eq!(ch.cipher_suites.first(), Some(&0xc030));
    assert_eq!(ch.cipher_suites.last(), Some(&0x00ff));
    assert_eq!(ch.extensions, [11, 10, 35, 13, 15]);
    // ssl.log server_name is "-": the client sent no SNI (nor ALPN).
    assert_eq!(ch.sni, None);
    assert!(ch.alpn.is_empty());
    assert!(ch.supported_versions.is_empty());
    assert_eq!(ch.ec_point_formats, [0, 1, 2]);
    // Values as Wireshark 4.0 dissects them.
    assert_eq!(
        ch.supported_groups,
        [
            14, 13, 25, 11, 12, 24, 9, 10, 22, 23, 8, 6, 7, 20, 21, 4, 5, 18, 19, 1, 2, 3, 15, 16,
            17
        ]
    );
    assert_eq!(
        ch.signature_algorithms,
        [
            0x0601, 0x0602, 0x0603, 0x0501, 0x0502, 0x0503, 0x0401, 0x0402, 0x0403, 0x0301, 0x0302,
            0x0303, 0x0201, 0x0202, 0x0203, 0x0101
        ]
    );
    // JA3 as Wireshark 4.0.17 computes it for this packet (tls.handshake.ja3_full / ja3).
    let (s, h) = ja3(ch);
    assert_eq!(
        s,
        "771,49200-49196-49192-49188-49172-49162-49186-49185-163-159-107-106-57-56-136-135-49202-\
         49198-49194-49190-49167-49157-157-61-53-132-49170-49160-49180-49179-22-19-49165-49155-10-\
         49199-49195-49191-49187-49171-49161-49183-49182-162-158-103-64-51-50-154-153-69-68-49201-\
         49197-49193-49189-49166-49156-156-60-47-150-65-7-49169-49159-49164-49154-5-4-21-18-9-20-17-\
         8-6-3-255,11-10-35-13-15,14-13-25-11-12-24-9-10-22-23-8-6-7-20-21-4-5-18-19-1-2-3-15-16-17,\
         0-1-2"
    );
    assert_eq!(h, "bd9c99b3a0f752c3ab8b052a79e9de3e");
    // JA4 worked out independently (Python hashlib over the tshark-dissected
    // fields): TLS 1.2, no SNI, 80 ciphers, 5 extensions, no ALPN.
    assert_eq!(ja4(ch, false), "t12i800500_15c493246000_3eafcbe19126");
    assert_eq!(ja4(ch, true), "q12i800500_15c493246000_3eafcbe19126");
}

#[test]
fn tls_server_flight_from_capture() {
    let out = feed_all(&[&unhex(SERVER_FLIGHT)]);
    let [Ok(Handshake::ServerHello(sh)), Ok(Handshake::Certificate(certs)), Ok(Handshake::Other(14))] =
        out.as_slice()
    else {
        panic!("unexpected {out:?}");
    };
    // ssl.log: version TLSv12, cipher TLS_RSA_WITH_RC4_128_MD5.
    assert_eq!(version_name(sh.version()), "TLSv12");
    assert_eq!(cipher_name(sh.cipher_suite), "TLS_RSA_WITH_RC4_128_MD5");
    assert_eq!(sh.extensions, [0xff01]);
    assert_eq!(sh.selected_version, None);
    assert_eq!(sh.alpn, None);
    // JA3S as Wireshark 4.0.17 computes it (tls.handshake.ja3s_full / ja3s).
    assert_eq!(
        ja3s(sh),
        (
            "771,4,65281".to_string(),
            "c253ec3ad88e42f8da4032682892f9a0".to_string()
        )
    );

    // x509.log: serial, subject, issuer, not_valid_before, not_valid_after.
    let expected = [
        (
            "99FAA8037A4EB2FAEF84EB5E55D5B8C8",
            "CN=*.taleo.net,OU=Comodo PremiumSSL Wildcard,OU=Web,O=Taleo Inc.,street=4140 Dublin Boulevard,\
             street=Suite 400,L=Dublin,ST=CA,postalCode=94568,C=US",
            "CN=COMODO High-Assurance Secure Server CA,O=COMODO CA Limited,L=Salford,ST=Greater Manchester,C=GB",
            1_304_467_200,
            1_467_676_799,
        ),
        (
            "1690C329B6780607511F05B0344846CB",
            "CN=COMODO High-Assurance Secure Server CA,O=COMODO CA Limited,L=Salford,ST=Greater Manchester,C=GB",
            "CN=AddTrust External CA Root,OU=AddTrust External TTP Network,O=AddTrust AB,C=SE",
            1_271_376_000,
            1_590_835_718,
        ),
        (
            "01",
            "CN=AddTrust External CA Root,OU=AddTrust External TTP Network,O=AddTrust AB,C=SE",
            "CN=AddTrust External CA Root,OU=AddTrust External TTP Network,O=AddTrust AB,C=SE",
            959_683_718,
            1_590_835_718,
        ),
    ];
    assert_eq!(certs.len(), expected.len());
    for (cert, (serial, subject, issuer, nb, na)) in certs.iter().zip(expected) {
        assert_eq!(cert.serial_hex, serial);
        assert_eq!(cert.subject, subject);
        assert_eq!(cert.issuer, issuer);
        assert_eq!(cert.not_before_unix(), Some(nb));
        assert_eq!(cert.not_after_unix(), Some(na));
    }
    assert_eq!(certs[0].not_before.as_deref(), Some("2011-05-04T00:00:00Z"));
    assert_eq!(certs[0].not_after.as_deref(), Some("2016-07-04T23:59:59Z"));
}

#[test]
fn tls_client_stream_skips_encrypted_finished_and_sees_app_data() {
    let mut r = HandshakeReader::new();
    assert_eq!(r.is_tls(), None);
    let hello = unhex(CLIENT_HELLO);
    assert!(r.feed(&hello[..4]).is_empty());
    assert_eq!(r.is_tls(), None);
    let out = r.feed(&hello[4..]);
    assert_eq!(r.is_tls(), Some(true));
    only_client_hello(&out);
    // ClientKeyExchange comes out; the Finished after ChangeCipherSpec is ciphertext.
    assert_eq!(
        r.feed(&unhex(CLIENT_KEY_EXCHANGE)),
        [Ok(Handshake::Other(16))]
    );
    assert!(!r.saw_application_data());
    assert!(r.feed(&unhex(CLIENT_APP_DATA)).is_empty());
    assert!(r.saw_application_data());
}

#[test]
fn tls_every_split_gives_the_same_result() {
    let client: Vec<u8> = [CLIENT_HELLO, CLIENT_KEY_EXCHANGE, CLIENT_APP_DATA]
        .iter()
        .flat_map(|h| unhex(h))
        .collect();
    for stream in [client, unhex(SERVER_FLIGHT)] {
        let whole = feed_all(&[&stream]);
        assert!(whole.len() >= 2 && whole.iter().all(Result::is_ok));
        for i in 0..=stream.len() {
            let (a, b) = stream.split_at(i);
            assert_eq!(feed_all(&[a, b]), whole, "split at {i}");
        }
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(feed_all(&bytes), whole, "byte at a time");
        let mut r = HandshakeReader::new();
        let mut got = Vec::new();
        for chunk in stream.chunks(7) {
            got.extend(r.feed(chunk));
            got.extend(r.feed(&[]));
        }
        assert_eq!(got, whole, "7-byte chunks with empty feeds");
    }
}

// ---- record layer ----

#[test]
fn tls_not_tls_is_reported_once() {
    let mut r = HandshakeReader::new();
    assert_eq!(r.feed(b"GET / HTTP/1.1\r\n"), [Err(TlsError::NotTls)]);
    assert_eq!(r.is_tls(), Some(false));
    assert!(r.feed(&unhex(CLIENT_HELLO)).is_empty());
    assert!(!r.saw_application_data());
    // An SSLv2-style hello is not recognised either.
    assert_eq!(
        feed_all(&[&[0x80, 0x2e, 0x01, 0x00, 0x02, 0x00]]),
        [Err(TlsError::NotTls)]
    );
}

#[test]
fn tls_record_layer_errors_are_fatal() {
    let mut stream = unhex(CLIENT_HELLO);
    stream.extend_from_slice(&[0x63, 0x03, 0x03, 0x00, 0x01, 0x00]);
    stream.extend(unhex(CLIENT_HELLO));
    let out = feed_all(&[&stream]);
    assert_eq!(out.len(), 2);
    assert_eq!(out[1], Err(TlsError::BadRecordType(0x63)));

    // A bad first header means "not TLS"; later ones are reported as what they are.
    assert_eq!(
        feed_all(&[&[0x17, 0x03, 0x03, 0xff, 0xff]]),
        [Err(TlsError::NotTls)]
    );
    let mut stream = unhex(CLIENT_APP_DATA);
    stream.extend_from_slice(&[0x17, 0x03, 0x03, 0xff, 0xff]);
    assert_eq!(feed_all(&[&stream]), [Err(TlsError::RecordTooLong(0xffff))]);
    let mut stream = unhex(CLIENT_APP_DATA);
    stream.extend_from_slice(&[0x17, 0x05, 0x01, 0x00, 0x00]);
    assert_eq!(
        feed_all(&[&stream]),
        [Err(TlsError::BadRecordVersion(0x0501))]
    );

    // A handshake message longer than MAX_HANDSHAKE_LEN stops the reader.
    let big = (MAX_HANDSHAKE_LEN + 1) as u32;
    let mut hs = vec![11];
    hs.extend_from_slice(&big.to_be_bytes()[1..]);
    let mut stream = record(22, &hs);
    stream.extend(unhex(CLIENT_HELLO));
    assert_eq!(
        feed_all(&[&stream]),
        [Err(TlsError::HandshakeTooLong(MAX_HANDSHAKE_LEN + 1))]
    );
}

#[test]
fn tls_messages_spanning_and_sharing_records() {
    let hello = unhex(CLIENT_HELLO);
    let msg = &hello[5..];
    // Two messages in one record, then one message cut across three records.
    let mut both = msg.to_vec();
    both.extend_from_slice(msg);
    let mut stream = record(22, &both);
    for part in [&msg[..1], &msg[1..100], &msg[100..]] {
        stream.extend(record(22, part));
    }
    let out = feed_all(&[&stream]);
    assert_eq!(out.len(), 3);
    assert!(out
        .iter()
        .all(|r| matches!(r, Ok(Handshake::ClientHello(_)))));
}

#[test]
fn tls_malformed_message_does_not_stop_the_reader() {
    let hello = unhex(CLIENT_HELLO);
    let mut stream = record(22, &handshake_msg(1, &[3, 3, 0]));
    stream.extend_from_slice(&hello);
    let out = feed_all(&[&stream]);
    assert_eq!(out.len(), 2);
    assert_eq!(out[0], Err(TlsError::Truncated("client_hello.random")));
    only_client_hello(&out[1..]);
}

#[test]
fn tls13_server_hello_then_encrypted() {
    let exts = [
        (43u16, 0x0304u16.to_be_bytes().to_vec()),
        (51, vec![0, 29, 0, 0]),
    ];
    let sh = handshake_msg(2, &server_hello_body([7; 32], 0x1301, &exts));
    let mut stream = record(22, &sh);
    stream.extend(record(20, &[1]));
    // A stray handshake-typed record after a TLS 1.3 ServerHello is ciphertext.
    stream.extend(record(22, &handshake_msg(11, &[0, 0, 0])));
    stream.extend(record(23, &[0xaa; 40]));
    let mut r = HandshakeReader::new();
    let out = r.feed(&stream);
    let [Ok(Handshake::ServerHello(sh))] = out.as_slice() else {
        panic!("{out:?}")
    };
    assert_eq!(sh.version(), 0x0304);
    assert_eq!(version_name(sh.version()), "TLSv13");
    assert_eq!(cipher_name(sh.cipher_suite), "TLS_AES_128_GCM_SHA256");
    assert_eq!(sh.extensions, [43, 51]);
    assert_eq!(ja3s(sh).0, "771,4865,43-51");
    assert!(r.saw_application_data());
}

#[test]
fn tls13_hello_retry_request_keeps_reading() {
    // RFC 8446 §4.1.3: the HRR random is SHA-256("HelloRetryRequest").
    let hrr_random: [u8; 32] = {
        let d = <sha2::Sha256 as sha2::Digest>::digest(b"HelloRetryRequest");
        d.into()
    };
    let exts = [(43u16, 0x0304u16.to_be_bytes().to_vec())];
    let mut stream = record(
        22,
        &handshake_msg(2, &server_hello_body(hrr_random, 0x1301, &exts)),
    );
    stream.extend(record(20, &[1]));
    let alpn = vec16(&vec8(b"h2"));
    let exts2 = [(43u16, 0x0304u16.to_be_bytes().to_vec()), (16, alpn)];
    stream.extend(record(
        22,
        &handshake_msg(2, &server_hello_body([9; 32], 0x1302, &exts2)),
    ));
    let out = feed_all(&[&stream]);
    let [Ok(Handshake::ServerHello(_)), Ok(Handshake::ServerHello(sh))] = out.as_slice() else {
        panic!("{out:?}")
    };
    assert_eq!(sh.cipher_suite, 0x1302);
    assert_eq!(sh.alpn.as_deref(), Some("h2"));
}

#[test]
fn tls13_client_hello_after_middlebox_ccs() {
    let hello = unhex(CLIENT_HELLO);
    let mut stream = hello.clone();
    stream.extend(record(20, &[1]));
    stream.extend(record(22, &hello[5..]));
    // An encrypted Finished-looking record after that is skipped.
    stream.extend(record(22, &[0x14, 0x77, 0x01, 0x02, 0x03, 0x04]));
    let out = feed_all(&[&stream]);
    assert_eq!(out.len(), 2);
    assert!(out
        .iter()
        .all(|r| matches!(r, Ok(Handshake::ClientHello(_)))));
}

// ---- hello parsing ----

#[test]
fn tls13_client_hello_fields() {
    let sni = {
        let mut entry = vec![0];
        entry.extend(vec16(b"www.example.com"));
        vec16(&entry)
    };
    let alpn = {
        let mut l = vec8(b"h2");
        l.extend(vec8(b"http/1.1"));
        vec16(&l)
    };
    let exts = [
        (0x1a1a, vec![]),
        (0, sni),
        (16, alpn),
        (43, vec8(&u16s(&[0x3a3a, 0x0304, 0x0303]))),
        (10, vec16(&u16s(&[0x2a2a, 29, 23]))),
        (11, vec8(&[0])),
        (13, vec16(&u16s(&[0x0403, 0x0804]))),
    ];
    let body = client_hello_body(0x0303, &[0x0a0a, 0x1301, 0x1302, 0xc02b], &exts);
    let Ok(Handshake::ClientHello(ch)) = parse_handshake(1, &body) else {
        panic!()
    };
    assert_eq!(ch.sni.as_deref(), Some("www.example.com"));
    assert_eq!(ch.alpn, ["h2", "http/1.1"]);
    assert_eq!(ch.supported_versions, [0x3a3a, 0x0304, 0x0303]);
    assert_eq!(ch.supported_groups, [0x2a2a, 29, 23]);
    assert_eq!(ch.extensions, [0x1a1a, 0, 16, 43, 10, 11, 13]);
    assert_eq!(ja3(&ch).0, "771,4865-4866-49195,0-16-43-10-11-13,29-23,0");
    // 3 ciphers and 6 extensions once GREASE is dropped.
    assert!(ja4(&ch, false).starts_with("t13d0306h2_"));
}

#[test]
fn tls_hello_limits_and_malformed_extensions() {
    let many: Vec<(u16, Vec<u8>)> = (0..=MAX_EXTENSIONS as u16)
        .map(|i| (0x1000 + i, vec![]))
        .collect();
    let body = client_hello_body(0x0303, &[0x1301], &many);
    assert_eq!(parse_handshake(1, &body), Err(TlsError::TooManyExtensions));
    let body = client_hello_body(0x0303, &[0x1301], &many[..MAX_EXTENSIONS]);
    assert!(parse_handshake(1, &body).is_ok());

    // supported_groups with an odd byte count.
    let body = client_hello_body(0x0303, &[0x1301], &[(10, vec16(&[0, 29, 0]))]);
    assert_eq!(parse_handshake(1, &body), Err(TlsError::BadExtension(10)));
    // ALPN entry longer than its list.
    let body = client_hello_body(0x0303, &[0x1301], &[(16, vec16(&[5, b'h']))]);
    assert_eq!(parse_handshake(1, &body), Err(TlsError::BadExtension(16)));
    // Odd cipher-suite vector.
    let mut body = client_hello_body(0x0303, &[0x1301], &[]);
    body[35..37].copy_from_slice(&[0, 3]);
    assert!(parse_handshake(1, &body).is_err());
    // Trailing bytes after the extensions.
    let mut body = client_hello_body(0x0303, &[0x1301], &[]);
    body.push(0);
    assert_eq!(
        parse_handshake(1, &body),
        Err(TlsError::TrailingData("client_hello"))
    );
    // No extensions at all is fine before TLS 1.3.
    let body = &client_hello_body(0x0301, &[0x002f], &[])[..32 + 2 + 1 + 4 + 2];
    let Ok(Handshake::ClientHello(ch)) = parse_handshake(1, body) else {
        panic!()
    };
    assert!(ch.extensions.is_empty());
    assert_eq!(ja3(&ch).0, "769,47,,,");
}

#[test]
fn tls_names() {
    assert_eq!(version_name(0x0300), "SSLv3");
    assert_eq!(version_name(0x0301), "TLSv10");
    assert_eq!(version_name(0x0302), "TLSv11");
    assert_eq!(version_name(0x0303), "TLSv12");
    assert_eq!(version_name(0x0304), "TLSv13");
    assert_eq!(version_name(0x7f1c), "TLSv13-draft28");
    assert_eq!(version_name(0x7f40), "unknown");
    assert_eq!(version_name(0x1234), "unknown");
    assert_eq!(cipher_name(0xc02f), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    assert_eq!(cipher_name(0x1301), "TLS_AES_128_GCM_SHA256");
    assert_eq!(
        cipher_name(0xcca9),
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
    );
    assert_eq!(cipher_name(0x0a0a), "unknown-0x0a0a");
    assert_eq!(cipher_name(0xffee), "unknown-0xffee");
}

// ---- fingerprints: published vectors ----

fn hello_from(
    version: u16,
    ciphers: &[u16],
    exts: &[u16],
    groups: &[u16],
    formats: &[u8],
) -> ClientHello {
    ClientHello {
        legacy_version: version,
        cipher_suites: ciphers.to_vec(),
        extensions: exts.to_vec(),
        supported_groups: groups.to_vec(),
        ec_point_formats: formats.to_vec(),
        ..ClientHello::default()
    }
}

#[test]
fn tls_ja3_published_vectors() {
    // github.com/salesforce/ja3 README: the two example strings and their MD5s.
    let ch = hello_from(
        769,
        &[47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4],
        &[0, 10, 11],
        &[23, 24, 25],
        &[0],
    );
    let expected = (
        "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0".to_string(),
        "ada70206e40642a3e4461f35503241d5".to_string(),
    );
    assert_eq!(ja3(&ch), expected);
    let ch2 = hello_from(
        769,
        &[4, 5, 10, 9, 100, 98, 3, 6, 19, 18, 99],
        &[],
        &[],
        &[],
    );
    assert_eq!(
        ja3(&ch2),
        (
            "769,4-5-10-9-100-98-3-6-19-18-99,,,".to_string(),
            "de350869b8c85de67a350c8d186f11e6".to_string()
        )
    );
    // GREASE anywhere changes nothing.
    let greased = hello_from(
        769,
        &[
            0x0a0a, 47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4,
        ],
        &[0xfafa, 0, 10, 11, 0xdada],
        &[0x4a4a, 23, 24, 25],
        &[0],
    );
    assert_eq!(ja3(&greased), expected);
}

/// The example in FoxIO's technical_details/JA4.md (JA4_ro gives the fields in wire order).
fn foxio_example() -> ClientHello {
    ClientHello {
        legacy_version: 0x0303,
        cipher_suites: vec![
            0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014,
            0x009c, 0x009d, 0x002f, 0x0035,
        ],
        extensions: vec![
            0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012,
            0x002b, 0xff01, 0x000b, 0x000a, 0x0015,
        ],
        sni: Some("example.com".to_string()),
        alpn: vec!["h2".to_string(), "http/1.1".to_string()],
        supported_versions: vec![0x0304, 0x0303],
        signature_algorithms: vec![
            0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
        ],
        ..ClientHello::default()
    }
}

#[test]
fn tls_ja4_published_vector() {
    let ch = foxio_example();
    assert_eq!(ja4(&ch, false), "t13d1516h2_8daaf6152771_e5627efa2ab1");
    // With GREASE sprinkled in, as Chrome sends it: unchanged.
    let mut greased = ch.clone();
    greased.cipher_suites.insert(0, 0x2a2a);
    greased.extensions.insert(0, 0x8a8a);
    greased.extensions.push(0x9a9a);
    greased.supported_versions.insert(0, 0x7a7a);
    assert_eq!(ja4(&greased, false), "t13d1516h2_8daaf6152771_e5627efa2ab1");
    // The spec's hash of the extension list alone, for a hello without signature algorithms.
    let mut no_sigs = ch.clone();
    no_sigs.signature_algorithms.clear();
    assert_eq!(ja4(&no_sigs, false), "t13d1516h2_8daaf6152771_6d807ffa2a79");
    // Empty lists hash to twelve zeros.
    let empty = ClientHello {
        legacy_version: 0x0301,
        ..ClientHello::default()
    };
    assert_eq!(ja4(&empty, true), "q10i000000_000000000000_000000000000");
}

#[test]
fn tls_ja4_alpn_characters() {
    // The cases listed in FoxIO's JA4.md.
    let with_alpn = |bytes: &[u8]| {
        let mut ch = foxio_example();
        ch.alpn = vec![hello::latin1(bytes)];
        ja4(&ch, false)[8..10].to_string()
    };
    assert_eq!(with_alpn(b"h2"), "h2");
    assert_eq!(with_alpn(b"http/1.1"), "h1");
    assert_eq!(with_alpn(b"x"), "xx");
    assert_eq!(with_alpn(b""), "00");
    assert_eq!(with_alpn(&[0xab]), "ab");
    assert_eq!(with_alpn(&[0xab, 0xcd]), "ad");
    assert_eq!(with_alpn(&[0x30, 0xab]), "3b");
    assert_eq!(with_alpn(&[0x30, 0x31, 0xab, 0xcd]), "3d");
    assert_eq!(with_alpn(&[0x30, 0xab, 0xcd, 0x31]), "01");
    let mut ch = foxio_example();
    ch.alpn.clear();
    assert_eq!(&ja4(&ch, false)[8..10], "00");
}

// ---- X.509 ----

#[test]
fn tls_x509_name_order_and_escaping() {
    // The example from the sensor's spec: stored C-first in DER, printed CN-first.
    let n = name(&[
        &[(C, PRINTABLE, b"US")],
        &[(ST, PRINTABLE, b"California")],
        &[(L, PRINTABLE, b"San Francisco")],
        &[(O, UTF8, b"Wikimedia Foundation, Inc.")],
        &[(CN, UTF8, b"*.wikipedia.org")],
    ]);
    assert_eq!(
        format_name(&n).unwrap(),
        "CN=*.wikipedia.org,O=Wikimedia Foundation\\, Inc.,L=San Francisco,ST=California,C=US"
    );

    // RFC 2253 specials, leading '#'/space, trailing space, control and non-ASCII bytes.
    let n = name(&[
        &[(CN, UTF8, b"#a+b\"c\\d<e>f;g=h ")],
        &[(O, UTF8, " Caf\u{e9}\t".as_bytes())],
    ]);
    assert_eq!(
        format_name(&n).unwrap(),
        "O=\\ Caf\\C3\\A9\\09,CN=\\#a\\+b\\\"c\\\\d\\<e\\>f\\;g=h\\ "
    );

    // Multi-valued RDN ('+', reversed like everything else), unknown OID and
    // a non-string value dumped as '#' + DER hex, BMPString decoded.
    let n = name(&[
        &[(OU, PRINTABLE, b"a"), (CN, PRINTABLE, b"b")],
        &[(
            &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x99, 0x01],
            UTF8,
            b"x",
        )],
        &[(L, 0x02, &[0x05])],
        &[(ST, 0x1e, &[0x00, 0x41, 0x04, 0x14])],
        &[(
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01],
            0x16,
            b"a@b.c",
        )],
        &[(
            &[0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19],
            0x16,
            b"org",
        )],
    ]);
    assert_eq!(
        format_name(&n).unwrap(),
        "DC=org,emailAddress=a@b.c,ST=A\\D0\\94,L=#020105,1.3.6.1.4.1.311.3201=#0C0178,CN=b+OU=a"
    );

    assert_eq!(format_name(&[]).unwrap(), "");
    assert!(format_name(&[0x31, 0x05, 0x30]).is_err());
    assert!(format_name(&[0x31, 0x80, 0x00, 0x00]).is_err());
    let too_many: Vec<&[Attr<'_>]> = vec![&[(CN, PRINTABLE, b"x")]; MAX_NAME_ATTRIBUTES + 1];
    assert_eq!(
        format_name(&name(&too_many)),
        Err(X509Error::TooManyAttributes)
    );
}

#[test]
fn tls_x509_serial_and_time() {
    assert_eq!(serial_hex(&[0x01]).unwrap(), "01");
    assert_eq!(serial_hex(&[0x00]).unwrap(), "00");
    assert_eq!(serial_hex(&[0x00, 0x99, 0xfa]).unwrap(), "99FA");
    assert_eq!(serial_hex(&[0xff]).unwrap(), "-01");
    assert_eq!(serial_hex(&[0xff, 0x00]).unwrap(), "-0100");
    assert_eq!(serial_hex(&[0x80]).unwrap(), "-80");
    assert_eq!(serial_hex(&[]), Err(X509Error::EmptyInteger));

    let t = |tag, s: &str| asn1_time(tag, s.as_bytes()).unwrap();
    assert_eq!(
        t(0x17, "491231235959Z").as_deref(),
        Some("2049-12-31T23:59:59Z")
    );
    assert_eq!(
        t(0x17, "500101000000Z").as_deref(),
        Some("1950-01-01T00:00:00Z")
    );
    assert_eq!(
        t(0x17, "2402291200Z").as_deref(),
        Some("2024-02-29T12:00:00Z")
    );
    assert_eq!(
        t(0x18, "99991231235959.123Z").as_deref(),
        Some("9999-12-31T23:59:59Z")
    );
    assert_eq!(t(0x17, "230229000000Z"), None);
    assert_eq!(t(0x17, "231301000000Z"), None);
    assert_eq!(t(0x17, "230101000000+0100"), None);
    assert_eq!(t(0x18, "2023"), None);
    assert_eq!(asn1_time(0x04, b"x"), Err(X509Error::BadTimeTag(0x04)));
    let info = CertInfo {
        not_before: Some("1970-01-01T00:00:00Z".into()),
        not_after: Some("1969-12-31T23:59:59Z".into()),
        ..CertInfo::default()
    };
    assert_eq!(
        (info.not_before_unix(), info.not_after_unix()),
        (Some(0), Some(-1))
    );
}

#[test]
fn tls_certificate_message_limits() {
    let leaf = {
        let flight = unhex(SERVER_FLIGHT);
        // The first certificate: after the ServerHello record (5 + 81), the
        // record header (5), the handshake header (4), the list length (3).
        let at = 5 + 81 + 5 + 4 + 3;
        let len = usize::from(flight[at]) << 16
            | usize::from(flight[at + 1]) << 8
            | usize::from(flight[at + 2]);
        flight[at + 3..at + 3 + len].to_vec()
    };
    assert!(parse_certificate(&leaf).is_ok());
    let entry = |der: &[u8]| {
        let mut v = (der.len() as u32).to_be_bytes()[1..].to_vec();
        v.extend_from_slice(der);
        v
    };
    let message = |entries: &[u8]| {
        let mut v = (entries.len() as u32).to_be_bytes()[1..].to_vec();
        v.extend_from_slice(entries);
        v
    };
    let list: Vec<u8> = (0..=MAX_CERTIFICATES).flat_map(|_| entry(&leaf)).collect();
    assert_eq!(
        parse_handshake(11, &message(&list)),
        Err(TlsError::TooManyCertificates)
    );
    let mut list = entry(&leaf);
    list.extend(entry(&leaf[..100]));
    assert!(matches!(
        parse_handshake(11, &message(&list)),
        Err(TlsError::BadCertificate { index: 1, .. })
    ));
    assert_eq!(
        parse_handshake(11, &message(&[])),
        Ok(Handshake::Certificate(vec![]))
    );
}

// ---- robustness ----

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Feeds `data` in random-sized chunks; the reader must not panic, and at
/// most one message can come out per four bytes.
fn feed_randomly(rng: &mut XorShift, data: &[u8]) {
    let mut r = HandshakeReader::new();
    let mut rest = data;
    let mut n = 0;
    while !rest.is_empty() {
        let (a, b) = rest.split_at(1 + rng.below(rest.len()));
        n += r.feed(a).len();
        rest = b;
    }
    assert!(n <= data.len() / 4 + 1);
}

#[test]
fn tls_random_input_never_panics() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for i in 0..100_000 {
        let len = rng.below(400);
        let mut data = rng.bytes(len);
        // Half the inputs start like a handshake record so the parsers below get exercised.
        if i % 2 == 0 && data.len() >= 9 {
            let body_len = (data.len() - 5) as u16;
            data[..3].copy_from_slice(&[22, 3, 1]);
            data[3..5].copy_from_slice(&body_len.to_be_bytes());
            data[5] = [1, 2, 11, 4][rng.below(4)];
            let hs_len = (body_len - 4) as u32;
            data[6..9].copy_from_slice(&hs_len.to_be_bytes()[1..]);
        }
        feed_randomly(&mut rng, &data);
        for typ in [1, 2, 11] {
            let _ = parse_handshake(typ, &data);
        }
        let _ = format_name(&data);
        let _ = parse_certificate(&data);
    }
}

#[test]
fn tls_truncated_input_never_panics() {
    for stream in [unhex(CLIENT_HELLO), unhex(SERVER_FLIGHT)] {
        for i in 0..stream.len() {
            let out = feed_all(&[&stream[..i]]);
            assert!(out.iter().all(Result::is_ok));
            // Message bodies cut short: parse errors, not panics.
            let _ = parse_handshake(1, &stream[5.min(i)..i]);
            let _ = parse_handshake(11, &stream[(5 + 81 + 5 + 4).min(i)..i]);
        }
    }
    let hello = unhex(CLIENT_HELLO);
    for i in 9..hello.len() {
        // Every cut except the one right after compression_methods is an error.
        let cut = parse_handshake(1, &hello[9..i]);
        assert!(
            cut.is_err() || i == 9 + 2 + 32 + 1 + 2 + 160 + 1 + 2,
            "cut at {i}: {cut:?}"
        );
    }
}

fn mutate(rng: &mut XorShift, base: &[u8]) -> Vec<u8> {
    let mut v = base.to_vec();
    for _ in 0..1 + rng.below(4) {
        if v.is_empty() {
            break;
        }
        let at = rng.below(v.len());
        match rng.below(6) {
            0 => v[at] ^= 1 << rng.below(8),
            1 => v[at] = rng.next() as u8,
            2 => v[at] = [0x00, 0x01, 0x7f, 0x80, 0xff][rng.below(5)],
            3 => v.truncate(at),
            4 => {
                let n = rng.below(8);
                let junk = rng.bytes(n);
                v.splice(at..at, junk);
            }
            _ => {
                let end = (at + rng.below(16)).min(v.len());
                let copy = v[at..end].to_vec();
                v.splice(at..at, copy);
            }
        }
    }
    v
}

#[test]
fn tls_mutated_capture_never_panics() {
    let mut rng = XorShift(0xdead_beef_cafe_f00d);
    let hello = unhex(CLIENT_HELLO);
    let flight = unhex(SERVER_FLIGHT);
    for _ in 0..50_000 {
        let m = mutate(&mut rng, &hello);
        feed_randomly(&mut rng, &m);
        let _ = parse_handshake(1, m.get(9..).unwrap_or_default());
    }
    for _ in 0..5_000 {
        let m = mutate(&mut rng, &flight);
        feed_randomly(&mut rng, &m);
        let _ = parse_handshake(11, m.get(5 + 81 + 5 + 4..).unwrap_or_default());
    }
}
