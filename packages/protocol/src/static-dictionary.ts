/**
 * The static preset dictionary `r1` (see dictionary.ts): generic vocabulary of the JSON a
 * recorder sends: rrweb's serialized DOM and CSS as browsers normalize it, Reprise's event
 * kinds, common headers and user agents. Nothing in it comes from a particular site.
 *
 * NEVER EDIT a released dictionary: recorders and servers must agree on it byte for byte
 * (the zlib stream carries its Adler-32). Add `r2` next to it instead. ASCII only, so its
 * bytes are its characters. Least useful parts first: deflate reaches the end of a preset
 * dictionary with the shortest distances, and when a session reference shares the window
 * only the end of this text is kept.
 */
const css = [
  'box-sizing: border-box; ', 'margin: 0px; ', 'padding: 0px; ', 'display: flex; ', 'display: grid; ', 'display: block; ', 'display: none; ',
  'display: inline-block; ', 'align-items: center; ', 'justify-content: space-between; ', 'justify-content: center; ', 'flex-direction: column; ',
  'flex-wrap: wrap; ', 'gap: 8px; ', 'grid-template-columns: repeat(auto-fill, minmax(', 'position: relative; ', 'position: absolute; ',
  'position: fixed; ', 'position: sticky; ', 'top: 0px; ', 'left: 0px; ', 'right: 0px; ', 'bottom: 0px; ', 'z-index: 10; ', 'width: 100%; ',
  'height: 100%; ', 'max-width: ', 'min-height: 100vh; ', 'overflow: hidden; ', 'text-overflow: ellipsis; ', 'white-space: nowrap; ',
  'font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "Liberation Sans", Arial, sans-serif; ', 'font-family: inherit; ',
  'font-size: 14px; ', 'font-size: 1rem; ', 'font-weight: 600; ', 'font-weight: 700; ', 'line-height: 1.5; ', 'letter-spacing: ',
  'text-align: center; ', 'text-decoration: none; ', 'text-transform: uppercase; ', 'color: inherit; ', 'color: rgb(', 'color: var(--',
  'background: ', 'background-color: ', 'background: transparent; ', 'background: rgb(255, 255, 255); ', 'background-image: linear-gradient(',
  'border: 1px solid ', 'border: none; ', 'border-radius: 4px; ', 'border-radius: 8px; ', 'border-radius: 999px; ', 'border-bottom: 1px solid ',
  'border-top: 1px solid ', 'border-color: ', 'outline: none; ', 'outline: 2px solid ', 'outline-offset: 2px; ', 'box-shadow: 0 1px 2px rgba(0, 0, 0, 0.05); ',
  'box-shadow: ', 'opacity: 0.5; ', 'cursor: pointer; ', 'cursor: not-allowed; ', 'pointer-events: none; ', 'user-select: none; ',
  'transition: ', 'transform: translate(', 'transform: ', 'animation: ', '0.2s ease-in-out; ', 'visibility: hidden; ', 'content: ""; ',
  'list-style: none; ', 'object-fit: cover; ', 'vertical-align: middle; ', 'margin-top: ', 'margin-bottom: ', 'margin-left: auto; ',
  'margin: 0px auto; ', 'padding: 8px 12px; ', 'padding: 16px; ', 'padding-top: ', 'padding-bottom: ', 'padding-left: ', 'padding-right: ',
  '@media (max-width: 768px) { ', '@media (prefers-color-scheme: dark) { ', '@keyframes ', ':hover { ', ':focus { ', ':focus-visible { ',
  ':disabled { ', '::before { ', '::after { ', '*, ::before, ::after { box-sizing: border-box; }', 'html { ', 'body { margin: 0px; ',
  'button { ', 'input, select, textarea { ', 'a { color: ', 'img { max-width: 100%; }', 'h1 { ', 'h2 { ', 'h3 { ', 'p { ', 'ul { ', 'li { ',
  'label { ', 'table { border-collapse: collapse; }', ':root { ', 'var(--', 'rgba(0, 0, 0, 0.1)', '!important; ', '} ',
].join('');

const html = [
  '{"type":2,"tagName":"svg","attributes":{"xmlns":"http://www.w3.org/2000/svg","viewBox":"0 0 24 24","fill":"none","stroke":"currentColor","stroke-width":"2","aria-hidden":"true"},"childNodes":[{"type":2,"tagName":"path","attributes":{"d":"M',
  '"isSVG":true,', '{"type":2,"tagName":"img","attributes":{"src":"', '","alt":"', '","loading":"lazy","width":"', '","height":"',
  '{"type":2,"tagName":"script","attributes":{"src":"', '{"type":2,"tagName":"script","attributes":{"type":"module","src":"',
  '{"type":2,"tagName":"noscript","attributes":{},"childNodes":[],"id":', '{"type":2,"tagName":"script","attributes":{},"childNodes":[{"type":3,"textContent":"SCRIPT_PLACEHOLDER","id":',
  '{"type":2,"tagName":"link","attributes":{"rel":"stylesheet","href":"', '{"type":2,"tagName":"link","attributes":{"rel":"preload","href":"',
  '{"type":2,"tagName":"link","attributes":{"rel":"icon","href":"', '{"type":2,"tagName":"link","attributes":{"_cssText":"',
  '{"type":2,"tagName":"style","attributes":{"_cssText":"', '{"type":2,"tagName":"meta","attributes":{"name":"description","content":"',
  '{"type":2,"tagName":"meta","attributes":{"property":"og:', '{"type":2,"tagName":"meta","attributes":{"name":"viewport","content":"width=device-width, initial-scale=1"},"childNodes":[],"id":',
  '{"type":2,"tagName":"meta","attributes":{"charset":"utf-8"},"childNodes":[],"id":', '{"type":2,"tagName":"title","attributes":{},"childNodes":[{"type":3,"textContent":"',
  '{"type":2,"tagName":"form","attributes":{"action":"', '","method":"post","novalidate":""},"childNodes":[',
  '{"type":2,"tagName":"select","attributes":{"name":"', '{"type":2,"tagName":"option","attributes":{"value":"', '","selected":true},"childNodes":[',
  '{"type":2,"tagName":"textarea","attributes":{"name":"', '{"type":2,"tagName":"input","attributes":{"type":"checkbox","name":"', '","checked":false},"childNodes":[],"id":',
  '{"type":2,"tagName":"input","attributes":{"type":"password","name":"password","autocomplete":"current-password","value":"',
  '{"type":2,"tagName":"input","attributes":{"type":"email","name":"email","autocomplete":"email","required":"","value":"',
  '{"type":2,"tagName":"input","attributes":{"type":"text","name":"', '","placeholder":"', '","autocomplete":"', '","inputmode":"numeric"',
  '{"type":2,"tagName":"label","attributes":{"for":"', '{"type":2,"tagName":"table","attributes":{},"childNodes":[{"type":2,"tagName":"thead","attributes":{},"childNodes":[{"type":2,"tagName":"tr","attributes":{},"childNodes":[{"type":2,"tagName":"th","attributes":{},"childNodes":[',
  '{"type":2,"tagName":"tbody","attributes":{},"childNodes":[', '{"type":2,"tagName":"tr","attributes":{},"childNodes":[{"type":2,"tagName":"td","attributes":{},"childNodes":[',
  '{"type":2,"tagName":"ul","attributes":{"class":"', '{"type":2,"tagName":"ol","attributes":{},"childNodes":[', '{"type":2,"tagName":"li","attributes":{"class":"',
  '{"type":2,"tagName":"nav","attributes":{"aria-label":"', '{"type":2,"tagName":"header","attributes":{"class":"', '{"type":2,"tagName":"footer","attributes":{"class":"',
  '{"type":2,"tagName":"main","attributes":{"id":"main"},"childNodes":[', '{"type":2,"tagName":"section","attributes":{"class":"', '{"type":2,"tagName":"article","attributes":{"class":"',
  '{"type":2,"tagName":"h1","attributes":{},"childNodes":[{"type":3,"textContent":"', '{"type":2,"tagName":"h2","attributes":{"class":"', '{"type":2,"tagName":"h3","attributes":{},"childNodes":[{"type":3,"textContent":"',
  '{"type":2,"tagName":"p","attributes":{"class":"', '{"type":2,"tagName":"strong","attributes":{},"childNodes":[{"type":3,"textContent":"',
  '{"type":2,"tagName":"small","attributes":{},"childNodes":[{"type":3,"textContent":"', '{"type":2,"tagName":"br","attributes":{},"childNodes":[],"id":',
  '{"type":2,"tagName":"a","attributes":{"href":"', '","target":"_blank","rel":"noopener noreferrer"', '","aria-current":"page"',
  '{"type":2,"tagName":"button","attributes":{"type":"button","class":"', '{"type":2,"tagName":"button","attributes":{"type":"submit","class":"',
  '","disabled":""', '","hidden":""', '","role":"button"', '","role":"dialog","aria-modal":"true"', '","aria-label":"', '","aria-expanded":"false"',
  '","aria-live":"polite"', '","tabindex":"-1"', '","data-testid":"', '","style":"', '","title":"', '","name":"', '","value":"', '","id":"',
  '{"type":2,"tagName":"span","attributes":{"class":"', '{"type":2,"tagName":"span","attributes":{},"childNodes":[{"type":3,"textContent":"',
  '{"type":2,"tagName":"div","attributes":{"id":"', '{"type":2,"tagName":"div","attributes":{},"childNodes":[',
  '{"type":2,"tagName":"body","attributes":{},"childNodes":[', '{"type":2,"tagName":"head","attributes":{},"childNodes":[',
  '{"type":0,"childNodes":[{"type":1,"name":"html","publicId":"","systemId":"","id":2},{"type":2,"tagName":"html","attributes":{"lang":"en"},"childNodes":[',
  '"rr_scrollLeft":', '"rr_scrollTop":', '"rr_width":"', '"rr_height":"', '"rr_dataURL":"data:image/png;base64,', '"rr_mediaState":"paused"',
  '"isStyle":true,', '{"type":5,"textContent":"', '{"type":4,"textContent":"', '"rootId":',
  '{"type":2,"tagName":"div","attributes":{"class":"', '"},"childNodes":[{"type":3,"textContent":"', '","id":', '}],"id":', '"},"childNodes":[],"id":',
  '{"type":3,"textContent":"\\n","id":', '{"type":3,"textContent":"\\n    ","id":', '{"type":3,"textContent":"\\n      ","id":', '{"type":3,"textContent":"\\n  ","id":',
].join('');

const reprise = [
  '{"t":0,"kind":"meta","data":{"url":"https://","referrer":"","title":"","userAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36","viewport":{"w":1280,"h":800}}}',
  '{"t":0,"kind":"env","data":{"userAgent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15","viewport":{"width":1280,"height":800},"screen":{"width":1920,"height":1080},"dpr":2,"url":"https://","referrer":"","browser":{"name":"Chrome","version":"130"},"os":{"name":"Windows","version":"10"},"device":{"type":"desktop"},"timezone":"Europe/","language":"en-US","languages":["en-US","en"],"connection":{"effectiveType":"4g","downlink":10,"rtt":50,"saveData":false}}}',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/130.0 Mozilla/5.0 (Linux; Android 10; K) ',
  '{"t":0,"kind":"nav","data":{"type":"pushState","url":"https://","from":"https://"}}', '{"t":0,"kind":"nav","data":{"type":"load","url":"https://"}}',
  '{"t":0,"kind":"custom","data":{"type":"identify","userId":"', '{"t":0,"kind":"custom","data":{"type":"tag","tags":{', '{"t":0,"kind":"custom","data":{"type":"event","name":"',
  '{"t":0,"kind":"error","data":{"message":"Uncaught TypeError: Cannot read properties of undefined (reading \'","origin":"error","name":"TypeError","stack":"TypeError: Cannot read properties of undefined (reading \'\')\\n    at HTMLButtonElement.<anonymous> (https://","source":"https://","line":1,"column":1}}',
  '{"t":0,"kind":"error","data":{"message":"Unhandled promise rejection: ","origin":"unhandledrejection","name":"Error","stack":"Error: \\n    at "}}',
  '{"t":0,"kind":"error","data":{"message":"Failed to load resource","origin":"resource","source":"https://"}}',
  '{"t":0,"kind":"console","data":{"level":"error","args":[{"type":"error","name":"Error","message":"","stack":"Error: \\n    at "}],"stack":"    at "}}',
  '{"t":0,"kind":"console","data":{"level":"log","args":[{"type":"string","value":""},{"type":"number","value":0},{"type":"boolean","value":true},{"type":"null"},{"type":"undefined"},{"type":"array","length":0,"items":[]},{"type":"object","className":"Object","entries":[["",{"type":"string","value":""}]]}]}}',
  '{"t":0,"kind":"console","data":{"level":"warn","args":[{"type":"string","value":""},{"type":"object","entries":[["status",{"type":"number","value":0}],["error",{"type":"string","value":""}],["message",{"type":"string","value":""}]]}],"stack":"    at https://"}}',
  '{"t":0,"kind":"network","data":{"id":"","initiator":"xhr","method":"POST","url":"https://","status":500,"requestHeaders":{"content-type":"application/x-www-form-urlencoded","accept":"*/*"},"responseHeaders":{"cache-control":"no-cache","content-encoding":"gzip","content-type":"text/html; charset=utf-8","etag":"W/\\"","server":"nginx","vary":"Accept-Encoding","x-request-id":""},"requestBody":{"kind":"urlencoded","value":{"":"[redacted]"},"size":0},"responseBody":{"kind":"text","value":"","size":0,"truncated":true},"startedAt":0,"durationMs":0,"statusText":"Internal Server Error"}}',
  '{"t":0,"kind":"network","data":{"id":"","initiator":"fetch","method":"POST","url":"https://","status":422,"requestHeaders":{"content-type":"application/json"},"responseHeaders":{"connection":"keep-alive","content-length":"","content-type":"application/json; charset=utf-8","date":"Mon, 01 Jan 2024 00:00:00 GMT","keep-alive":"timeout=5"},"requestBody":{"kind":"json","value":{"":""},"size":0},"responseBody":{"kind":"json","value":{"error":"","message":""},"size":0},"startedAt":0,"durationMs":0,"statusText":"Unprocessable Entity"}}',
  '{"t":0,"kind":"network","data":{"id":"","initiator":"fetch","method":"GET","url":"https://","status":200,"requestHeaders":{},"responseHeaders":{"content-length":"","content-type":"application/json; charset=utf-8","date":"","keep-alive":"timeout=5"},"requestBody":null,"responseBody":{"kind":"json","value":[{"id":"","name":"","description":""}],"size":0},"startedAt":0,"durationMs":0,"statusText":"OK"}}',
  '{"t":0,"kind":"vital","data":{"name":"INP","value":0,"detail":""}}', '{"t":0,"kind":"vital","data":{"name":"CLS","value":0}}',
  '{"t":0,"kind":"vital","data":{"name":"LCP","value":0,"detail":"img"}}', '{"t":0,"kind":"vital","data":{"name":"FCP","value":0}}',
  '{"t":0,"kind":"vital","data":{"name":"TTFB","value":0}}', '{"t":0,"kind":"vital","data":{"name":"longtask","value":0,"detail":"self window"}}',
  '{"t":0,"kind":"click","data":{"selector":"#","tag":"a","interactive":true,"x":0,"y":0,"text":"","nodeId":0}}',
  '{"t":0,"kind":"click","data":{"selector":"[data-testid=\\"\\"] > li:nth-of-type(1) > button.","tag":"button","interactive":true,"x":0,"y":0,"text":"","testId":"","nodeId":0}}',
  '{"t":0,"kind":"click","data":{"selector":"div.","tag":"div","interactive":false,"x":0,"y":0,"nodeId":0}}',
  '{"t":0,"kind":"click","data":{"selector":"input#","tag":"input","interactive":true,"x":0,"y":0,"inputType":"text","editable":true,"nodeId":0}}',
].join('');

const rrweb = [
  '{"t":0,"kind":"dom","data":{"type":5,"data":{"tag":"","payload":{}},"timestamp":0}}',
  '{"t":0,"kind":"dom","data":{"type":3,"data":{"source":14,"ranges":[{"start":0,"startOffset":0,"end":0,"endOffset":0}]},"timestamp":0}}',
  '{"t":0,"kind":"dom","data":{"type":3,"data":{"source":8,"id":0,"adds":[{"rule":"","index":0}]},"timestamp":0}}',
  '{"t":0,"kind":"dom","data":{"type":3,"data":{"source":7,"type":1,"id":0,"currentTime":0,"volume":1,"muted":false,"playbackRate":1},"timestamp":0}}',
  '{"t":0,"kind":"dom","data":{"type":3,"data":{"source":6,"positions":[{"x":0,"y":0,"id":0,"timeOffset":0}]},"timestamp":0}}',
  '{"t":0,"kind":"dom","data":{"type":3,"data":{"source":4,"width":1280,"height":800},"timestamp":0}}',
  '{"t":0,"kind":"dom","data":{"type":4,"data":{"href":"https://","width":1280,"height":800},"timestamp":0}}',
  '{"t":0,"kind":"dom","data":{"type":2,"data":{"node":{"type":0,"childNodes":[],"compatMode":"CSS1Compat","id":1},"initialOffset":{"left":0,"top":0}},"timestamp":0}}',
  '{"t":0,"kind":"dom","data":{"type":3,"data":{"source":5,"text":"","isChecked":false,"id":0},"timestamp":0}}',
  '{"t":0,"kind":"dom","data":{"type":3,"data":{"source":5,"text":"**********","isChecked":false,"id":0},"timestamp":0}}',
  '{"t":0,"kind":"dom","data":{"type":3,"data":{"source":0,"texts":[{"id":0,"value":""}],"attributes":[{"id":0,"attributes":{"class":"","style":{"":""}}}],"removes":[{"parentId":0,"id":0}],"adds":[{"parentId":0,"nextId":null,"node":{"type":3,"textContent":"","id":0}}]},"timestamp":0}}',
  '{"t":0,"kind":"dom","data":{"type":3,"data":{"source":0,"texts":[],"attributes":[{"id":0,"attributes":{"hidden":null}}],"removes":[],"adds":[]},"timestamp":0}}',
  '{"t":0,"kind":"dom","data":{"type":3,"data":{"source":0,"adds":[],"removes":[],"texts":[],"attributes":[{"id":0,"attributes":{"_cssText":""}}]},"timestamp":0}}',
  '{"t":0,"kind":"dom","data":{"type":3,"data":{"source":3,"id":1,"x":0,"y":0},"timestamp":0}}',
  '{"t":0,"kind":"dom","data":{"type":3,"data":{"source":2,"type":1,"id":0,"x":0,"y":0},"timestamp":0}}',
  '{"t":0,"kind":"dom","data":{"type":3,"data":{"source":2,"type":5,"id":0},"timestamp":0}}',
  '{"t":0,"kind":"dom","data":{"type":3,"data":{"source":2,"type":6,"id":0},"timestamp":0}}',
  '{"t":0,"kind":"dom","data":{"type":3,"data":{"source":2,"type":0,"id":0,"x":0,"y":0},"timestamp":0}}',
  '{"t":0,"kind":"dom","data":{"type":3,"data":{"source":2,"type":2,"id":0,"x":0,"y":0,"pointerType":0},"timestamp":0}}',
  '{"t":0,"kind":"dom","data":{"type":3,"data":{"source":1,"positions":[{"x":0,"y":0,"id":0,"timeOffset":-500},{"x":0,"y":0,"id":0,"timeOffset":-300},{"x":0,"y":0,"id":0,"timeOffset":0}]},"timestamp":0}}',
].join(',');

/** The text of dictionary `r1`. */
export const STATIC_DICTIONARY_R1: string = css + html + reprise + rrweb;
