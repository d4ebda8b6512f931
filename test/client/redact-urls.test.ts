import { redactUrlsIn } from "../../src/client/redact-urls";

describe("redactUrlsIn, for DigitalOcean's own texts", () => {
  test.each([
    [
      "cuts an https url to scheme, host and path",
      "Unable to fetch https://h.example/a.img?sig=secret now",
      "Unable to fetch https://h.example/a.img now",
    ],
    ["cuts an http url too", "Unable to fetch http://h.example/a.img?sig=secret now", "Unable to fetch http://h.example/a.img now"],
    [
      "whatever the scheme's case (printed in lower case, as URL parsing gives it)",
      "from HTTPS://h.example/a.img?sig=secret",
      "from https://h.example/a.img",
    ],
    ["at the very end of the text", "from https://h.example/a.img?sig=secret", "from https://h.example/a.img"],
    ["keeps a full stop after it", "from https://h.example/a.img?sig=secret.", "from https://h.example/a.img."],
    [
      "keeps several punctuation marks after it",
      "from https://h.example/a.img?sig=secret!! Try again.",
      "from https://h.example/a.img!! Try again.",
    ],
    ["ends it at a quote", 'url "https://h.example/a.img?sig=secret" refused', 'url "https://h.example/a.img" refused'],
    ["ends it at a bracket", "(https://h.example/a.img?sig=secret)", "(https://h.example/a.img)"],
    ["ends it at a line break", "https://h.example/a.img?sig=secret\nnext", "https://h.example/a.img\nnext"],
    ["keeps dots inside the url", "from https://h.example/a.b.img?sig=secret. Done", "from https://h.example/a.b.img. Done"],
    [
      "cuts each of several urls",
      "https://a.example/x?sig=one and https://b.example/y?sig=two",
      "https://a.example/x and https://b.example/y",
    ],
    ["leaves text without a url as it is", "Image could not be imported: 403 Forbidden.", "Image could not be imported: 403 Forbidden."],
  ])("%s", (_case, text, redacted) => {
    expect(redactUrlsIn(text)).toBe(redacted);
  });
});
