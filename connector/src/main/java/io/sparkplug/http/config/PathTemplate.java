package io.sparkplug.http.config;

import java.io.ByteArrayOutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A service path, possibly a template such as {@code /users/{id}/recommendations}: literal segments
 * match themselves, each {@code {name}} matches one non-empty segment, and like a literal path it
 * also answers everything below it. Between the services of one port, the one matching more
 * segments wins, then the one with a literal where the other has a parameter (at the first position
 * they differ); two paths of the same shape ({@code /users/{id}} and {@code /users/{name}}) are
 * ambiguous and refused when the second starts.
 */
public final class PathTemplate implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final String[] NONE = new String[0];

  private final String path;

  /** Literal segments, or null where the segment is a parameter. */
  private final String[] literals;

  /** Parameter names, or null where the segment is literal. */
  private final String[] names;

  private final String[] parameterNames;

  private PathTemplate(String path, String[] literals, String[] names, String[] parameterNames) {
    this.path = path;
    this.literals = literals;
    this.names = names;
    this.parameterNames = parameterNames;
  }

  /** Parses a normalized service path; throws naming the {@code path} option. */
  static PathTemplate parse(String path) {
    String[] segments = segments(path);
    String[] literals = new String[segments.length];
    String[] names = new String[segments.length];
    List<String> parameters = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < segments.length; i++) {
      String segment = segments[i];
      int open = segment.indexOf('{');
      int close = segment.indexOf('}');
      if (open < 0 && close < 0) {
        literals[i] = segment;
        continue;
      }
      if (open != 0 || close != segment.length() - 1 || segment.indexOf('{', 1) >= 0) {
        throw OptionReader.invalid(
            ServiceOptions.PATH_CONFIG,
            path,
            segment.chars().filter(c -> c == '{').count()
                    != segment.chars().filter(c -> c == '}').count()
                ? "unbalanced braces in segment '" + segment + "'"
                : "a template parameter must be a whole segment, as in /users/{id}");
      }
      String name = segment.substring(1, segment.length() - 1);
      if (name.isEmpty()) {
        throw OptionReader.invalid(
            ServiceOptions.PATH_CONFIG, path, "a template parameter needs a name, as in {id}");
      }
      if (!isName(name)) {
        throw OptionReader.invalid(
            ServiceOptions.PATH_CONFIG,
            path,
            "parameter name '"
                + name
                + "' must be letters, digits and '_', not starting with a digit");
      }
      if (!seen.add(name)) {
        throw OptionReader.invalid(
            ServiceOptions.PATH_CONFIG, path, "parameter '" + name + "' appears twice");
      }
      names[i] = name;
      parameters.add(name);
    }
    return new PathTemplate(path, literals, names, parameters.toArray(NONE));
  }

  private static boolean isName(String name) {
    if (Character.isDigit(name.charAt(0))) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!(c == '_'
          || (c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9'))) {
        return false;
      }
    }
    return true;
  }

  /** The segments of a path: {@code /a/b} is {@code [a, b]}, {@code /} none. */
  public static String[] segments(String path) {
    if (path.length() <= 1) {
      return NONE;
    }
    return path.substring(1).split("/", -1);
  }

  public String path() {
    return path;
  }

  /** True when the path has no parameter: it matches as a whole-segment prefix. */
  public boolean literal() {
    return parameterNames.length == 0;
  }

  /** The parameter names, in path order. */
  public String[] parameterNames() {
    return parameterNames.clone();
  }

  /** Whether this template matches the first segments of {@code segments}. */
  public boolean matches(String[] segments) {
    if (segments.length < literals.length) {
      return false;
    }
    for (int i = 0; i < literals.length; i++) {
      if (literals[i] != null ? !literals[i].equals(segments[i]) : segments[i].isEmpty()) {
        return false;
      }
    }
    return true;
  }

  /** Whether this template wins over {@code other} when both match a request. */
  public boolean beats(PathTemplate other) {
    if (literals.length != other.literals.length) {
      return literals.length > other.literals.length;
    }
    for (int i = 0; i < literals.length; i++) {
      boolean mine = literals[i] != null;
      boolean theirs = other.literals[i] != null;
      if (mine != theirs) {
        return mine;
      }
    }
    return false;
  }

  /** True when no request could tell the two apart: the same literals at the same places. */
  public boolean sameShape(PathTemplate other) {
    if (literals.length != other.literals.length) {
      return false;
    }
    for (int i = 0; i < literals.length; i++) {
      if (literals[i] == null
          ? other.literals[i] != null
          : !literals[i].equals(other.literals[i])) {
        return false;
      }
    }
    return true;
  }

  /**
   * The parameter values of a request this template {@link #matches}, percent-decoded, in the order
   * of {@link #parameterNames()}.
   */
  public String[] values(String[] segments) {
    String[] values = new String[parameterNames.length];
    int next = 0;
    for (int i = 0; i < names.length; i++) {
      if (names[i] != null) {
        values[next++] = decode(segments[i], false);
      }
    }
    return values;
  }

  /**
   * Percent-decodes {@code text} as UTF-8; with {@code plusIsSpace} (query strings) {@code +} is a
   * space. A malformed escape is kept as it is.
   */
  public static String decode(String text, boolean plusIsSpace) {
    if (text.indexOf('%') < 0 && (!plusIsSpace || text.indexOf('+') < 0)) {
      return text;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '%'
          && i + 2 < text.length()
          && hex(text.charAt(i + 1)) >= 0
          && hex(text.charAt(i + 2)) >= 0) {
        out.write(hex(text.charAt(i + 1)) * 16 + hex(text.charAt(i + 2)));
        i += 2;
      } else if (c == '+' && plusIsSpace) {
        out.write(' ');
      } else {
        int codePoint = text.codePointAt(i);
        byte[] bytes = new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8);
        out.write(bytes, 0, bytes.length);
        i += Character.charCount(codePoint) - 1;
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  @Override
  public String toString() {
    return path;
  }
}
