-- The articles link each other as PAGE.md (readable in the source tree)
-- and show the plugin's screenshots from ../../mailsec/help/images/; the
-- built pages are LANG/PAGE.html beside help/images/ in the plugin.
function Link(link)
  link.target = link.target:gsub('^([%w-]+)%.md(#?)', '%1.html%2')
  return link
end

function Image(image)
  image.src = image.src:gsub('^%.%./%.%./mailsec/help/images/', '../images/')
  return image
end
