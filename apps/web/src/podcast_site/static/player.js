// The episode page's player: the browser's own <audio controls>, and a few
// things on top. Without this file the page still plays, and its time links
// (?t=754) still start the audio there: the server writes the time into the
// audio's URL as a media fragment (#t=754), which the browser honours itself.
//
// With it:
// - a time link seeks in place and plays, rather than loading the page again;
// - #t=754 in the page's address (a shared link) starts the audio there;
// - the chapter and the transcript paragraph being played have aria-current;
// - a speed select (remembered for every episode);
// - where the listener stopped is kept per episode in localStorage, and the
//   next visit starts there. Only in this browser: the page itself is the
//   same for everyone, which is what lets the server cache it.

const KEEP_EVERY_SECONDS = 5;

// localStorage throws where storage is off (some private modes, a full
// quota); the player then simply forgets.
const storage = {
  get(key) {
    try {
      return localStorage.getItem(key);
    } catch {
      return null;
    }
  },
  set(key, value) {
    try {
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, value);
    } catch {
      // Nothing to do: the position is a convenience.
    }
  },
};

// A media fragment's start, in the forms Media Fragments URI 1.0 allows for
// "t=" (754, 754.5, 12:34, 0:12:34, npt:754, and "754,800" with an end);
// null for anything else, or a time before the start.
function readTime(text) {
  if (text === null) return null;
  const parts = text.split(",")[0].replace(/^npt:/, "").split(":");
  if (parts.length > 3 || !parts.every((part) => /^\d+(\.\d+)?$/.test(part))) return null;
  const seconds = parts.reduce((total, part) => total * 60 + Number(part), 0);
  return seconds > 0 ? seconds : null;
}

function timeInFragment(url) {
  return readTime(new URLSearchParams(url.hash.slice(1)).get("t"));
}

// Each timed item of a list (the chapters, the transcript's paragraphs) with
// the second it starts at, read from its time link: the markup is the one
// source, so the script cannot disagree with what the page shows.
function timedItems(selector) {
  const items = [];
  for (const link of document.querySelectorAll(`${selector} a.time`)) {
    const start = readTime(new URL(link.href).searchParams.get("t")) ?? 0;
    items.push({ start, element: link.closest("li, p") });
  }
  return items.sort((first, second) => first.start - second.start);
}

// Marks the item being played in each list with aria-current, which screen
// readers announce and the stylesheet highlights; only on a change, since
// timeupdate fires several times a second.
function makeHighlighter(lists) {
  const current = new Map();
  return (time) => {
    for (const items of lists) {
      const playing = items.findLast((item) => item.start <= time)?.element ?? null;
      if (current.get(items) === playing) continue;
      current.get(items)?.removeAttribute("aria-current");
      playing?.setAttribute("aria-current", "true");
      current.set(items, playing);
    }
  };
}

function startPlayer(audio) {
  const positionKey = `position:episode-${audio.dataset.episode}`;
  const source = new URL(audio.getAttribute("src"), location.href);
  const served = timeInFragment(source); // the server's ?t=, if any
  source.hash = "";
  const highlight = makeHighlighter([timedItems(".chapters"), timedItems(".transcript")]);

  function seek(seconds) {
    if (audio.readyState === HTMLMediaElement.HAVE_NOTHING) {
      // Nothing loaded yet (preload="none"): a media fragment has the browser
      // start there once it loads, exactly as the page without script does.
      source.hash = `t=${seconds}`;
      audio.src = source.href;
    } else {
      audio.currentTime = seconds;
    }
    highlight(seconds);
  }

  // Where to start: the page's #t=, then the server's ?t= (already in the
  // audio's src), then where this browser stopped last time.
  const linked = timeInFragment(location);
  const saved = readTime(storage.get(positionKey));
  if (linked !== null) seek(linked);
  else if (served === null && saved !== null) seek(saved);
  else highlight(served ?? 0);

  // A time link: seek and play here. A modified click (a new tab) keeps the
  // link's own behaviour, which the server answers with the ?t= page. The
  // address bar gets #t= (never sent to the server): a link copied from it
  // is the cached page, and the script starts it at that time.
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a.time");
    const modified = event.metaKey || event.ctrlKey || event.shiftKey || event.altKey;
    if (!link || event.button !== 0 || modified) return;
    const seconds = readTime(new URL(link.href).searchParams.get("t")) ?? 0;
    event.preventDefault();
    seek(seconds);
    audio.play().catch(() => {}); // a browser may refuse; the listener presses play
    const address = new URL(location.href);
    address.searchParams.delete("t");
    address.hash = `t=${seconds}`;
    history.replaceState(null, "", address);
  });
  // A #t= typed into the address bar, or followed from elsewhere on the page.
  window.addEventListener("hashchange", () => {
    const seconds = timeInFragment(location);
    if (seconds !== null) seek(seconds);
  });

  let keptAt = 0;
  function keepPosition() {
    // Before it loads, the audio is at 0 whatever was kept: leave that be.
    if (audio.readyState === HTMLMediaElement.HAVE_NOTHING) return;
    // Whole seconds: a little earlier is the better place to resume.
    const seconds = Math.floor(audio.currentTime);
    storage.set(positionKey, seconds > 0 && !audio.ended ? String(seconds) : null);
    keptAt = audio.currentTime;
  }
  audio.addEventListener("timeupdate", () => {
    highlight(audio.currentTime);
    if (Math.abs(audio.currentTime - keptAt) >= KEEP_EVERY_SECONDS) keepPosition();
  });
  for (const event of ["pause", "seeked", "ended"]) audio.addEventListener(event, keepPosition);
  window.addEventListener("pagehide", keepPosition);

  // The speed: a real <select>, labelled, hidden in the HTML because only
  // this script makes it work. Loading a new src (seek, above) resets
  // playbackRate to defaultPlaybackRate, so both are set.
  const speed = document.getElementById("playback-rate");
  if (speed) {
    const rate = Number(storage.get("playback-rate")) || 1;
    const setRate = (value) => {
      audio.defaultPlaybackRate = audio.playbackRate = value;
    };
    if ([...speed.options].some((option) => Number(option.value) === rate)) {
      speed.value = String(rate);
      setRate(rate);
    }
    speed.addEventListener("change", () => {
      setRate(Number(speed.value));
      storage.set("playback-rate", speed.value);
    });
    speed.parentElement.hidden = false;
  }
}

const episodeAudio = document.querySelector("audio[data-episode]");
if (episodeAudio) startPlayer(episodeAudio);
